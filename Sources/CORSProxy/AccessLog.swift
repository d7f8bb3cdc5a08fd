import CORS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One request as the access log records it: one JSON object per line.
public struct AccessLogEntry: Sendable {
    /// The request's method.
    public var method: String
    /// The request's path, without the query.
    public var path: String
    /// The status the client got.
    public var status: Int
    /// `nil` when the gateway answered itself (a preflight, a fault).
    public var upstreamStatus: Int?
    /// From the request's head to the response's end (`duration_ms` in the line).
    public var durationSeconds: Double
    /// Request body bytes received from the client.
    public var bytesIn: Int64
    /// Response body bytes sent to the client.
    public var bytesOut: Int64
    /// The decision's outcome: `not-cors`, `preflight-allowed`, `preflight-rejected`, `allowed`, `rejected`.
    public var cors: String
    /// Why a refused request was refused (`origin-not-allowed`, ...).
    public var reason: String?
    /// The request's Origin, when it had one.
    public var origin: String?
    /// The prefix of the route that handled it (`open` in open mode), `nil` when none did.
    public var route: String?
    /// A fault's cause id (`upstream-unreachable`, ...), or `aborted` when the response was cut.
    public var fault: String?

    /// The line, with fields in a fixed order so it reads well in a terminal too.
    public var line: String {
        var out = "{\"time\":\(Self.now()),\"method\":\(JSONValue.quoted(method)),\"path\":\(JSONValue.quoted(path))"
        out += ",\"status\":\(status),\"upstream_status\":\(upstreamStatus.map(String.init) ?? "null")"
        out += ",\"duration_ms\":\(Self.milliseconds(durationSeconds)),\"bytes_in\":\(bytesIn),\"bytes_out\":\(bytesOut)"
        out += ",\"cors\":\"\(cors)\",\"reason\":\(Self.quoted(reason)),\"origin\":\(Self.quoted(origin))"
        out += ",\"route\":\(Self.quoted(route)),\"fault\":\(Self.quoted(fault))}"
        return out
    }

    static func quoted(_ text: String?) -> String { text.map(JSONValue.quoted) ?? "null" }

    static func milliseconds(_ seconds: Double) -> String {
        let micro = Int64((seconds * 1_000_000).rounded())
        let whole = micro / 1000
        let fraction = micro % 1000
        return "\(whole)." + String(repeating: "0", count: 3 - String(fraction).count) + String(fraction)
    }

    /// Seconds since the epoch, to the millisecond.
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let millis = Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
        let fraction = String(millis % 1000)
        return "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

/// Writes access log lines: to standard output or a file, a whole line per `write(2)` (lines
/// from several event loops never interleave).
final class AccessLogWriter: Sendable {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    let isOn: Bool

    init(_ destination: AccessLogDestination) {
        switch destination {
        case .off:
            (descriptor, ownsDescriptor, isOn) = (-1, false, false)
        case .standardOutput:
            (descriptor, ownsDescriptor, isOn) = (1, false, true)
        case .file(let path):
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            (descriptor, ownsDescriptor, isOn) = (fd, fd >= 0, fd >= 0)
        }
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    func write(_ entry: AccessLogEntry) {
        guard isOn else { return }
        var line = entry.line + "\n"
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
