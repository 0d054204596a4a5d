import ConsensusCore

/// Generates the next command for a client: get / put / cas on a key from the key chooser.
/// Put and cas values get a run-unique tag (client in the high bits, sequence in the low bits), so a
/// history can tell every written value apart.
public struct OperationSource: Sendable {
    public let spec: WorkloadSpec
    private let keys: KeyChooser
    private var random: DeterministicRandom
    /// The last value this source wrote per key: a cas expects it (a cas against a stale value fails, which is fine).
    private var lastWritten: [Key: Value] = [:]

    public init(spec: WorkloadSpec, random: DeterministicRandom) {
        self.spec = spec
        self.keys = KeyChooser(keyCount: spec.keyCount, distribution: spec.keyDistribution)
        self.random = random
    }

    public mutating func next(client: ClientID, sequence: UInt64) -> Command {
        let key = keys.next(using: &random)
        if random.chance(spec.readRatio) { return .get(key) }
        let value = Value(tag: UInt64(client.rawValue) << 40 | (sequence & 0xFF_FFFF_FFFF), size: UInt32(spec.valueSize))
        if spec.casRatio > 0, random.chance(spec.casRatio) {
            let expected = lastWritten[key]
            lastWritten[key] = value
            return .cas(key, expected: expected, new: value)
        }
        if spec.casRatio > 0 { lastWritten[key] = value }
        return .put(key, value)
    }
}
