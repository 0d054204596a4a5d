import Checker
import ConsensusCore
import ShellKit
@testable import Harness
@testable import Loopback
import Testing
import Workload

/// The tcp and process shells check agreement, validity and at-most-once after the run with the
/// simulator's `SafetyMonitor`, from each replica's reported `applied` effects and restarts.
@Suite("TCP shells' safety check")
struct TCPSafetyCheckTests {
    static func request(_ client: Int, _ sequence: UInt64, key: UInt64) -> ClientRequest {
        ClientRequest(client: ClientID(client), sequence: sequence, command: .put(Key(key), Value(tag: UInt64(client * 100) + sequence, size: 8)))
    }

    static let sent = [request(0, 1, key: 1), request(0, 2, key: 2), request(1, 1, key: 3)]

    static func violations(_ applied: [[AppliedRecord]], restartsAt: [[Int]] = []) -> [SafetyMonitor.Violation] {
        let records = sent.map {
            OperationRecord(client: $0.client, sequence: $0.sequence, command: $0.command, scheduled: .zero, invoked: .zero,
                            completed: .zero, result: .value(nil), status: .ok, retries: 0)
        }
        let replicas = applied.indices.map { i in
            ReplicaReport(id: NodeID(i), counts: MessageCounts(kindCount: 2), applied: applied[i],
                          restartsAt: i < restartsAt.count ? restartsAt[i] : [], leadership: [], persistCount: 0, isUp: true,
                          byzantine: nil, store: [:], executedCount: 0)
        }
        let generator = GeneratorReport(records: records, counts: MessageCounts(kindCount: 2), completedInWindow: 3,
                                        window: RunWindow(start: .zero, end: Instant(nanoseconds: 1)), outstanding: 0)
        return TCPMeasurement(kindNames: ["a", "b"], replicas: replicas, generator: generator, window: generator.window)
            .safetyViolations(records: records)
    }

    static func log(_ requests: [ClientRequest], from position: UInt64 = 1) -> [AppliedRecord] {
        requests.enumerated().map { AppliedRecord(position: position + UInt64($0.offset), request: $0.element, executed: true) }
    }

    @Test("replicas that applied the same requests at the same positions, one of them twice across a restart, are safe")
    func agreementAcrossRestart() {
        let once = Self.log(Self.sent)
        #expect(Self.violations([once, once + once], restartsAt: [[], [3]]).isEmpty)
    }

    @Test("two requests at one position violate agreement")
    func disagreement() {
        let a = Self.log(Self.sent)
        let b = Self.log([Self.sent[0], Self.sent[2], Self.sent[1]])
        #expect(Self.violations([a, b]).contains { $0.invariant == .agreement })
    }

    @Test("a request executed twice in one life violates at-most-once; a request no client sent violates validity")
    func doubleExecutionAndForgery() {
        let twice = Self.log(Self.sent + [Self.sent[0]])
        #expect(Self.violations([twice]).map(\.invariant) == [.atMostOnce])
        let forged = Self.log([Self.request(7, 1, key: 9)])
        #expect(Self.violations([forged]).map(\.invariant) == [.validity])
    }
}
