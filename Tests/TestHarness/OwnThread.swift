import Foundation
import Testing

/// Runs `body` on a thread of its own and resumes the caller when it returns: for blocking work
/// (sockets, processes, a browser's answer) that must not hold one of Swift's few cooperative
/// threads, which every other test's `await` needs (two on a two-core machine).
public func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// A task executor with one thread of its own. A test that blocks (a synchronous test function,
/// or one that waits on a browser or a process) runs under it with `withTaskExecutorPreference`,
/// so it blocks this thread rather than the cooperative pool.
public final class OwnThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let state = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    public init() {
        let thread = Thread { [self] in loop() }
        thread.stackSize = 1 << 22
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        state.withLock {
            jobs.append(job)
            state.signal()
        }
    }

    /// Ends the thread once the jobs already queued have run.
    public func stop() {
        state.withLock {
            stopping = true
            state.signal()
        }
    }

    private func loop() {
        while true {
            state.lock()
            while jobs.isEmpty && !stopping { state.wait() }
            if jobs.isEmpty {
                state.unlock()
                return
            }
            let job = jobs.removeFirst()
            state.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs `body` with a thread of its own as its task executor (see `OwnThreadExecutor`).
public func onOwnThread<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    let executor = OwnThreadExecutor()
    defer { executor.stop() }
    return try await withTaskExecutorPreference(executor) { try await body() }
}

/// A suite or test trait: each test runs with a thread of its own as its task executor, for
/// tests that block (processes, sockets, polling) and would otherwise hold a cooperative thread.
public struct OwnThreadTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        guard testCase != nil else { return try await function() }
        try await onOwnThread { try await function() }
    }
}

extension Trait where Self == OwnThreadTrait {
    /// Each test on a thread of its own (see `OwnThreadTrait`).
    public static var ownThread: Self { OwnThreadTrait() }
}
