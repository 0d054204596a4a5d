import ConsensusCore

extension PBFT {
    public typealias MAC = ConsensusCore.MAC
    public typealias Signature = ConsensusCore.Signature
    public typealias Authenticator = ConsensusCore.Authenticator
}

extension ConsensusCore.Authenticator {
    /// A copy that no longer verifies anywhere (the shell's `corrupt` behaviour).
    func corrupted() -> Authenticator {
        switch self {
        case .none: return .none
        case .mac(let m): return .mac(MAC(high: ~m.high, low: m.low))
        case .macs(let v): return .macs(v.map { MAC(high: ~$0.high, low: $0.low) })
        case .signature(let s):
            var bytes = s.bytes
            if !bytes.isEmpty { bytes[0] ^= 0xFF }
            return .signature(Signature(bytes: bytes))
        }
    }
}
