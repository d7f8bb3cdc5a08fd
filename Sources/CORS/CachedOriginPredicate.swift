import Synchronization

/// An async origin predicate (a database lookup, say) with a small cache in front, bounded in
/// size and in how long an answer is trusted, so a burst of requests from one origin costs one
/// lookup and a revoked origin stops working within `timeToLive`.
public final class CachedOriginPredicate: Sendable {
    private struct Entry {
        var allowed: Bool
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Insertion order, for evicting the oldest entry when full.
        var order: [String] = []
        var lookups = 0
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let timeToLive: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let lookup: @Sendable (Origin) async -> Bool

    /// - Parameters:
    ///   - capacity: at most this many origins are remembered (oldest evicted first).
    ///   - timeToLive: an answer is reused for at most this long.
    ///   - now: the clock, injectable for tests.
    ///   - lookup: the real check (a database query, say), run for an origin without a fresh answer.
    public init(
        capacity: Int = 1024,
        timeToLive: Duration = .seconds(60),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        _ lookup: @escaping @Sendable (Origin) async -> Bool
    ) {
        precondition(capacity > 0, "a cache needs room for one origin")
        self.capacity = capacity
        self.timeToLive = timeToLive
        self.now = now
        self.lookup = lookup
    }

    /// The predicate to put in `CORSPolicy.allowOriginPredicate`.
    public var predicate: OriginPredicate { .async { await self.isAllowed($0) } }

    /// How many times the underlying lookup ran (cache misses).
    public var lookupCount: Int { state.withLock { $0.lookups } }

    /// The cached answer when fresh; otherwise the lookup's, remembered.
    public func isAllowed(_ origin: Origin) async -> Bool {
        let key = origin.serialized
        let instant = now()
        let cached: Bool? = state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            if entry.expires > instant { return entry.allowed }
            state.entries[key] = nil
            state.order.removeAll { $0 == key }
            return nil
        }
        if let cached { return cached }
        let allowed = await lookup(origin)
        let expires = now().advanced(by: timeToLive)
        state.withLock { state in
            state.lookups += 1
            if state.entries[key] == nil {
                state.order.append(key)
                if state.order.count > capacity {
                    let oldest = state.order.removeFirst()
                    state.entries[oldest] = nil
                }
            }
            state.entries[key] = Entry(allowed: allowed, expires: expires)
        }
        return allowed
    }
}
