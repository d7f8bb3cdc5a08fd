import CORS
import CORSProxy
import NIOCore
import TestHarness
import Testing

/// A graceful stop: no new connections, requests in flight finish within the grace period,
/// whatever outlives it is cut, and idle connections do not hold the stop up.
@Suite struct ShutdownTests {
    @Test func aRequestInFlightFinishesAndThenThePortRefusesConnections() async throws {
        let gate = Gate()
        let upstream: UpstreamBehaviour = { _ in [.wait(gate)] + Reply.response(200, body: "finished") }
        var limits = ProxyLimits.quick
        limits.responseHeadTimeout = .seconds(20)  // the gate, not a timeout, decides when the answer comes
        try await withProxy(upstream: upstream, limits: limits, configure: { $0.shutdownGracePeriod = .seconds(5) }) { proxy in
            defer { gate.open() }
            let inFlight = Task { [port = proxy.port] in
                try await blocking { try RawConnection(port: port).request("GET", "/slow") }
            }
            #expect(try await eventually { proxy.upstream.record.requestCount == 1 })
            let stopping = Task { await timed { await proxy.gateway.shutdown() }.1 }
            // New connections are refused while the request is still in flight...
            #expect(try await eventually { RawConnection.isRefused(port: proxy.port) })
            gate.open()
            // ...and that request completes.
            let response = try await inFlight.value
            #expect(response.status == 200)
            #expect(response.complete && response.text == "finished")
            let seconds = await stopping.value
            #expect(seconds < 4, "the stop waited \(seconds) s though nothing was left in flight")
            #expect(RawConnection.isRefused(port: proxy.port))
        }
    }

    @Test func aRequestThatOutlivesTheGracePeriodIsCut() async throws {
        var limits = ProxyLimits.quick
        limits.responseHeadTimeout = .seconds(20)
        limits.deadline = .seconds(30)
        let held: UpstreamBehaviour = { _ in [.hold] }
        try await withProxy(upstream: held, limits: limits, configure: { $0.shutdownGracePeriod = .milliseconds(300) }) { proxy in
            let inFlight = Task { [port = proxy.port] in
                try await blocking { try RawConnection(port: port).request("GET", "/held") }
            }
            let arrived = try await eventually { proxy.upstream.record.requestCount == 1 }
            #expect(arrived)
            let (_, seconds) = await timed { await proxy.gateway.shutdown() }
            // Cut at the grace period, not at the 20 s head timeout (the bound allows a loaded machine).
            #expect(seconds >= 0.25 && seconds < 10, "stopped after \(seconds) s")
            let outcome = await inFlight.result
            var cut = false
            if case .failure(let error) = outcome, case RawHTTPError.closedBeforeHead = error { cut = true }
            #expect(cut, "the held request was not cut: \(outcome)")
            #expect(try await eventually { proxy.upstream.record.openConnections == 0 })
        }
    }

    @Test func anIdleKeepAliveConnectionDoesNotHoldTheStopUp() async throws {
        try await withProxy(configure: { $0.shutdownGracePeriod = .seconds(30) }) { proxy in
            let connection = try await blocking { [port = proxy.port] in
                let connection = try RawConnection(port: port)
                _ = try connection.request("GET", "/")
                return connection
            }
            let (_, seconds) = await timed { await proxy.gateway.shutdown() }
            // Far under the 30 s grace period (the bound allows a loaded machine).
            #expect(seconds < 10, "an idle connection held the stop for \(seconds) s")
            #expect(try await blocking { connection.waitForEnd() })
        }
    }
}
