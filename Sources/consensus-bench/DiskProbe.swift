import ConsensusCore
import Foundation
import Harness
import Loopback
import Raft
import ShellKit

/// Times what one persist costs on the disk at hand, through the journal the real shells write: a Raft
/// entry holding one put (the record a follower writes per operation), appended and committed, with and
/// without fdatasync. `calibrate` turns the two into `--cpu-per-persist` and `--sync-latency`.
struct DiskProbe {
    /// What one way of committing a record cost, per commit.
    struct Figures {
        var p50: Duration
        var p99: Duration
        var samples: Int
    }

    /// The folder the probe's journal goes in (deleted afterwards): the disk being measured.
    let directory: String
    /// Wall time to spend on each way of committing.
    let budget: Duration
    let valueSize: Int

    /// Creates the folder, or says in one line why it cannot.
    func prepare() throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ExperimentError("cannot create --disk-dir \(directory): \(error.localizedDescription)")
        }
    }

    func measure(_ sync: SyncPolicy) throws -> Figures {
        try prepare()
        let path = "\(directory)/calibrate-\(getpid())-\(sync).wal"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let owner = Journal.Owner(protocolName: Raft.Replica.protocolName, id: NodeID(0), replicaCount: 3)
        let journal: JournalWriter<Raft.Replica>
        do {
            // Never compacted: the probe times appends, and a long no-sync probe would pass the floor.
            journal = try JournalWriter<Raft.Replica>(path: path, owner: owner, sync: sync, validLength: nil, compactionFloor: .max)
            try journal.commit { Raft.DurableState() }  // the header, not timed
        } catch {
            throw ExperimentError("cannot write a journal in --disk-dir \(directory): \(error)")
        }
        let clock = ContinuousClock()
        var samples: [Duration] = []
        samples.reserveCapacity(1 << 16)
        var records: [Raft.Replica.JournalRecord] = []
        records.reserveCapacity(1)
        let start = clock.now
        var index: UInt64 = 0
        repeat {  // at least one sample, however short the budget
            index += 1
            let put = Command.put(Key(index % 1000), Value(tag: index, size: UInt32(valueSize)))
            let entry = Raft.Entry(term: 1, request: ClientRequest(client: ClientID(1), sequence: index, command: put))
            records.removeAll(keepingCapacity: true)
            records.append(.change(.entries(keep: index - 1, Raft.Entries([entry]))))
            let before = clock.now
            journal.append(records)
            try journal.commit { Raft.DurableState() }
            samples.append(clock.now - before)
        } while clock.now - start < budget && samples.count < 1 << 20
        samples.sort()
        func percentile(_ p: Double) -> Duration { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
        return Figures(p50: percentile(0.5), p99: percentile(0.99), samples: samples.count)
    }
}

extension Duration {
    /// Whole nanoseconds, for the calibration tables and the flags they print.
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
