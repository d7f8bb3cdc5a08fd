import Foundation

/// One event a browser sent: DevTools' `Network.loadingFailed`, BiDi's `log.entryAdded`, ...
public struct BrowserEvent: @unchecked Sendable {
    public let method: String
    public let params: [String: Any]
    /// The DevTools session (a tab) it came from, if any.
    public let session: String?
}

/// Where a browser's JSON messages land, whatever the wire (a pipe for Chromium, a WebSocket for
/// Firefox): answers by command id, events in arrival order, and waiting for either.
final class ProtocolMailbox: @unchecked Sendable {
    private let state = NSCondition()
    private var answers: [Int: [String: Any]] = [:]
    private var received: [BrowserEvent] = []
    private var closed = false
    private var nextID = 0
    /// Commands whose wait timed out: their late answers are dropped, not kept.
    private var abandoned: Set<Int> = []

    /// A fresh command id.
    func takeID() -> Int {
        state.withLock {
            nextID += 1
            return nextID
        }
    }

    func deliverAnswer(id: Int, _ message: [String: Any]) {
        state.withLock {
            if abandoned.remove(id) != nil { return }
            answers[id] = message
            state.broadcast()
        }
    }

    func deliverEvent(_ event: BrowserEvent) {
        state.withLock {
            received.append(event)
            state.broadcast()
        }
    }

    /// The browser's side has closed: every wait fails from now on.
    func close() {
        state.withLock {
            closed = true
            state.broadcast()
        }
    }

    /// Waits for the answer to command `id`.
    func answer(to id: Int, method: String, timeout: Double) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        state.lock()
        defer { state.unlock() }
        while answers[id] == nil {
            if closed { throw BrowserDriverError.browserExited(whilePending: method) }
            if !state.wait(until: deadline) {
                abandoned.insert(id)
                throw BrowserDriverError.noAnswer(to: method, seconds: timeout)
            }
        }
        return answers.removeValue(forKey: id)!
    }

    var eventCount: Int { state.withLock { received.count } }

    func events(since mark: Int, session: String?) -> [BrowserEvent] {
        state.withLock { Array(received[min(mark, received.count)...]).filter { session == nil || $0.session == session } }
    }

    /// Waits for an event named `method` after `mark` that satisfies `matching`.
    func waitForEvent(
        _ method: String,
        since mark: Int,
        session: String?,
        timeout: Double,
        matching: (BrowserEvent) -> Bool
    ) throws -> BrowserEvent {
        let deadline = Date().addingTimeInterval(timeout)
        state.lock()
        defer { state.unlock() }
        var checked = mark
        while true {
            while checked < received.count {
                let event = received[checked]
                checked += 1
                if event.method == method, session == nil || event.session == session, matching(event) { return event }
            }
            if closed { throw BrowserDriverError.browserExited(whilePending: "waiting for \(method)") }
            if !state.wait(until: deadline) { throw BrowserDriverError.noAnswer(to: "waiting for \(method)", seconds: timeout) }
        }
    }
}
