import ConsensusCore
import Loopback
import ShellKit
import Testing
import Workload

@Suite("A load generator's report file, and several generators' reports merged")
struct GeneratorReportFileTests {
    static func report(clients: [Int], counts: Int, completed: Int) -> GeneratorReport {
        var messageCounts = MessageCounts(kindCount: 3)
        messageCounts.counts = [counts, 2 * counts, 0]
        messageCounts.bytes = [100 * counts, 0, 7]
        messageCounts.rejected = [0, 1, 0]
        messageCounts.totalSent = 3 * counts
        let records = clients.enumerated().map { k, c in
            OperationRecord(client: ClientID(c), sequence: UInt64(k + 1), command: k % 2 == 0 ? .put(Key(UInt64(c)), Value(tag: 9, size: 16)) : .get(Key(3)),
                            scheduled: Instant(nanoseconds: 1_000), invoked: Instant(nanoseconds: 2_000 + Int64(k)),
                            completed: k == 2 ? nil : Instant(nanoseconds: 90_000), result: k == 2 ? nil : .value(Value(tag: 1, size: 16)),
                            status: k == 2 ? .unknown : .ok, retries: UInt32(k))
        }
        return GeneratorReport(records: records, counts: messageCounts, completedInWindow: completed,
                               window: RunWindow(start: Instant(nanoseconds: 500), end: Instant(nanoseconds: 2_000_500)), outstanding: 1)
    }

    @Test("a report survives its file whole: every record, count and window figure")
    func roundTrip() throws {
        let original = Self.report(clients: [0, 2, 4], counts: 5, completed: 2)
        let decoded = try GeneratorReportFile.decode(GeneratorReportFile.encode(original))
        #expect(decoded.records.map(\.client) == original.records.map(\.client))
        #expect(decoded.records.map(\.command) == original.records.map(\.command))
        #expect(decoded.records.map(\.completed) == original.records.map(\.completed))
        #expect(decoded.records.map(\.result) == original.records.map(\.result))
        #expect(decoded.records.map(\.status) == original.records.map(\.status))
        #expect(decoded.records.map(\.retries) == original.records.map(\.retries))
        #expect(decoded.counts.counts == original.counts.counts && decoded.counts.bytes == original.counts.bytes)
        #expect(decoded.counts.rejected == original.counts.rejected && decoded.counts.totalSent == original.counts.totalSent)
        #expect(decoded.completedInWindow == 2 && decoded.outstanding == 1 && decoded.window == original.window)
    }

    @Test("a cut or foreign file is refused, never half read")
    func damagedFileRefused() {
        let bytes = GeneratorReportFile.encode(Self.report(clients: [1, 3], counts: 2, completed: 1))
        for cut in [0, 3, 20, bytes.count - 1] {
            #expect(throws: WireError.self) { _ = try GeneratorReportFile.decode(Array(bytes[0 ..< cut])) }
        }
        #expect(throws: WireError.self) { _ = try GeneratorReportFile.decode([0x43, 0x42, 0x52, 0x52] + bytes.dropFirst(4)) }
    }

    @Test("merged reports keep every generator's operations and add their counts")
    func merge() throws {
        let merged = try #require(GeneratorReportFile.merge([Self.report(clients: [0, 2, 4], counts: 5, completed: 2),
                                                             Self.report(clients: [1, 3], counts: 4, completed: 1)]))
        #expect(merged.records.map(\.client.index) == [0, 2, 4, 1, 3])
        #expect(merged.counts.counts == [9, 18, 0] && merged.counts.totalSent == 27)
        #expect(merged.completedInWindow == 3 && merged.outstanding == 2)
    }

    @Test("K generators split the clients and an open-loop rate between them, and lose none")
    func share() {
        var workload = WorkloadSpec()
        workload.clients = 7
        workload.ratePerSecond = 7_000
        let parts = (0 ..< 3).map { Loopback.share(of: workload, generator: $0, of: 3) }
        #expect(parts.map(\.clients) == [3, 2, 2])
        #expect(parts.map { $0.ratePerSecond! } == [3_000, 2_000, 2_000])
    }
}
