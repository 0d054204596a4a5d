import ConsensusCore
import Crypto

extension PBFT {
    /// Which kind of proof a message carries, given the authentication mode.
    enum AuthClass {
        /// Sent to every other replica: an authenticator (one MAC per receiver), or a signature.
        case multicast
        /// Sent to one replica: one MAC, or a signature.
        case pointToPoint
        /// Forwarded as proof to third parties (VIEW-CHANGE, NEW-VIEW): a signature unless `none`.
        case signed
    }

    /// Deterministic keys. The paper's replicas exchange session keys with fresh random nonces
    /// (TOCS §4.3.1); a simulation needs none of that secrecy, only keys that differ per pair, so they
    /// are derived from a fixed cluster secret and the pair. Same seed, same run.
    enum KeyDerivation {
        /// The key `sender` uses to authenticate what it sends to `receiver` (k_{sender,receiver}).
        static func sessionKey(from sender: NodeID, to receiver: NodeID) -> KeyedHMAC {
            let material: (UInt64, UInt64, UInt64) = (UInt64(0x5042_4654_5345_5353).littleEndian, // "PBFTSESS"
                                                      UInt64(UInt32(bitPattern: sender.rawValue)).littleEndian,
                                                      UInt64(UInt32(bitPattern: receiver.rawValue)).littleEndian)
            return KeyedHMAC(key: withUnsafeBytes(of: material) { Digest(hashing: $0) })
        }

        /// The 32-byte seed of `replica`'s Ed25519 signing key.
        static func signingSeed(of replica: NodeID) -> Digest {
            let material: (UInt64, UInt64) = (UInt64(0x5042_4654_5349_474E).littleEndian, // "PBFTSIGN"
                                              UInt64(UInt32(bitPattern: replica.rawValue)).littleEndian)
            return withUnsafeBytes(of: material) { Digest(hashing: $0) }
        }

        /// A fresh authenticator of `block` by `sender`, in the same form as `template` (the shell's
        /// Byzantine injectors use this: a faulty replica authenticates its lies properly).
        static func reauthenticate(like template: Authenticator, block: AuthBlock, sender: NodeID) -> Authenticator {
            switch template {
            case .none:
                return .none
            case .mac:
                return template  // point-to-point kinds have nothing to equivocate about
            case .macs(let old):
                var v = [MAC](repeating: .zero, count: old.count)
                block.withBytes { bytes in
                    for j in 0 ..< old.count { v[j] = sessionKey(from: sender, to: NodeID(j)).mac(bytes) }
                }
                return .macs(v)
            case .signature:
                return .signature(block.withBytes { Ed25519Signer(seed: signingSeed(of: sender)).sign($0) })
            }
        }
    }

    /// One replica's keys: keyed HMAC states towards and from every replica (itself included, so its
    /// own authenticators verify like anyone's when they come back inside a certificate), its signing
    /// key and the others' public keys (derived lazily: under `mac` only view changes need them).
    struct Keyring {
        let me: NodeID
        let n: Int
        let mode: Authentication
        private let outgoing: [KeyedHMAC]
        private let incoming: [KeyedHMAC]
        private var signer: Ed25519Signer?
        private var verifiers: [Ed25519Verifier?]

        init(me: NodeID, n: Int, mode: Authentication) {
            self.me = me
            self.n = n
            self.mode = mode
            if mode == .mac {
                outgoing = (0 ..< n).map { KeyDerivation.sessionKey(from: me, to: NodeID($0)) }
                incoming = (0 ..< n).map { KeyDerivation.sessionKey(from: NodeID($0), to: me) }
            } else {
                outgoing = []
                incoming = []
            }
            signer = nil
            verifiers = mode == .none ? [] : Array(repeating: nil, count: n)
        }

        /// The authenticator a message of class `authClass` carries.
        mutating func authenticate(_ block: AuthBlock, _ authClass: AuthClass, to receiver: NodeID? = nil,
                                   work: inout CryptoWork) -> Authenticator {
            switch (mode, authClass) {
            case (.none, _):
                return .none
            case (.mac, .multicast):
                let keys = outgoing
                let v = block.withBytes { bytes in
                    [MAC](unsafeUninitializedCapacity: n) { buffer, count in
                        for j in 0 ..< n { buffer.initializeElement(at: j, to: keys[j].mac(bytes)) }
                        count = n
                    }
                }
                work.macsComputed += n
                return .macs(v)
            case (.mac, .pointToPoint):
                guard let receiver else { preconditionFailure("a point-to-point message needs its receiver") }
                work.macsComputed += 1
                return .mac(block.withBytes { outgoing[receiver.index].mac($0) })
            case (.mac, .signed), (.signatures, _):
                work.signaturesMade += 1
                if signer == nil { signer = Ed25519Signer(seed: KeyDerivation.signingSeed(of: me)) }
                let key = signer!
                return .signature(block.withBytes { key.sign($0) })
            }
        }

        /// Whether `auth` proves that `sender` sent `block` (to this replica, for MACs).
        mutating func verify(_ auth: Authenticator, _ block: AuthBlock, from sender: NodeID, _ authClass: AuthClass,
                             work: inout CryptoWork) -> Bool {
            guard sender.index >= 0, sender.index < n else { return false }
            switch (mode, authClass) {
            case (.none, _):
                if case .none = auth { return true }
                return false
            case (.mac, .multicast):
                guard case .macs(let v) = auth, v.count == n else { return false }
                work.macsVerified += 1
                return block.withBytes { incoming[sender.index].mac($0) } == v[me.index]
            case (.mac, .pointToPoint):
                guard case .mac(let m) = auth else { return false }
                work.macsVerified += 1
                return block.withBytes { incoming[sender.index].mac($0) } == m
            case (.mac, .signed), (.signatures, _):
                guard case .signature(let s) = auth, s.bytes.count == Signature.encodedSize else { return false }
                work.signaturesVerified += 1
                if verifiers[sender.index] == nil {
                    verifiers[sender.index] = Ed25519Signer(seed: KeyDerivation.signingSeed(of: sender)).verifier
                }
                let key = verifiers[sender.index]!
                return block.withBytes { key.isValid(s, for: $0) }
            }
        }
    }
}
