/// A replica's durable state, or one change to it, in the wire codec: the real shells (tcp and process)
/// append what each persist wrote to a journal file (a snapshot at its head, then changes) and hand what
/// it replays to back to a node process they restart after a SIGKILL. The simulator keeps the values
/// themselves and never encodes them.
///
/// The encoding is the messages' (`WireWriter`, little-endian, lists as a u32 count then the elements).
/// It carries the state only; the file around it (magic, protocol, replica id, checksums) is the shell's.
public protocol DurableStateCodable: Sendable {
    /// Appends the state.
    func encode(into writer: inout WireWriter)
    /// Reads what `encode` wrote for a replica of a cluster of `cluster.replicaCount` (PBFT sizes its
    /// log's vote sets from n; node ids are checked against it). A journal records n, not f, so a
    /// decoder must not rely on `faultTolerance`. Anything else (truncated, a bad tag, a count the
    /// cluster cannot have) throws; it never traps.
    static func decode(from reader: inout WireReader, cluster: ClusterConfig) throws(WireError) -> Self
}

// MARK: - The KV state machine (PBFT's checkpoint carries one)

extension KVStateMachine {
    /// u64 executed count · u64 digest · u32 keys · (u64 key · value)… · u32 sessions ·
    /// (u32 client · u64 sequence · result)…, keys and sessions in ascending order.
    public func encode(into w: inout WireWriter) {
        w.write(UInt64(executedCount))
        w.write(digest)
        w.write(UInt32(store.count))
        for (key, value) in store.sorted(by: { $0.key < $1.key }) {
            w.write(key.rawValue)
            value.encode(into: &w)
        }
        w.write(UInt32(sessions.count))
        for (client, session) in sessions.sorted(by: { $0.key < $1.key }) {
            w.write(client.rawValue)
            w.write(session.sequence)
            session.result.encode(into: &w)
        }
    }

    /// Bytes `encode` writes.
    public var encodedSize: Int {
        var size = 8 + 8 + 4 + 4
        for value in store.values { size += 8 + value.encodedSize }
        for session in sessions.values { size += 4 + 8 + session.result.encodedSize }
        return size
    }

    public static func decode(from r: inout WireReader) throws(WireError) -> KVStateMachine {
        var machine = KVStateMachine()
        let executed: UInt64 = try r.read()
        guard executed <= UInt64(Int.max) else { throw .invalidField("executed count \(executed)") }
        machine.executedCount = Int(executed)
        machine.digest = try r.read()
        let keys = try r.readCount(minimumElementSize: 8 + 12)
        machine.store.reserveCapacity(keys)
        for _ in 0 ..< keys {
            let key = Key(try r.read())
            let value = try Value.decode(from: &r)
            if machine.store.updateValue(value, forKey: key) != nil { throw .invalidField("key \(key) stored twice") }
        }
        let sessions = try r.readCount(minimumElementSize: 4 + 8 + 1)
        machine.sessions.reserveCapacity(sessions)
        for _ in 0 ..< sessions {
            let client = ClientID(Int(try r.read(UInt32.self)))
            let session = Session(sequence: try r.read(), result: try CommandResult.decode(from: &r))
            if machine.sessions.updateValue(session, forKey: client) != nil { throw .invalidField("session \(client) stored twice") }
        }
        return machine
    }
}
