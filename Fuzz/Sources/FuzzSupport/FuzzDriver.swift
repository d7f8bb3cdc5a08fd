import FuzzDriverC

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The glue between a target's `@main` and libFuzzer. SwiftPM links an executable's entry as
/// `<Module>_main`, so libFuzzer's own `main` is not used: the target's `main` hands the process's
/// arguments (libFuzzer's flags and corpus folders) to `LLVMFuzzerRunDriver` with its
/// `LLVMFuzzerTestOneInput` callback.
public enum FuzzDriver {
    public typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

    public static func run(_ callback: Callback) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
    }

    /// Calls `body` with the input as a buffer (empty for a null pointer).
    @inline(__always)
    public static func withInput(_ data: UnsafePointer<UInt8>?, _ size: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Void) -> Int32 {
        body(UnsafeBufferPointer(start: size == 0 ? nil : data, count: size))
        return 0
    }
}

/// A disagreement or a broken invariant: traps with `message`, so libFuzzer reports a crash and
/// keeps the input that caused it.
@inline(never)
public func disagreement(_ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("fuzz disagreement: " + message(), file: file, line: line)
}

/// `disagreement(message)` unless `condition` holds.
@inline(__always)
public func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { disagreement(message(), file: file, line: line) }
}
