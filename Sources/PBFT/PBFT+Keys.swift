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

    /// Keys derived from the cluster's shared secret (`ClusterConfig.secret`, taken from the run's seed).
    /// The paper's replicas exchange session keys with fresh random nonces (TOCS §4.3.1) and share a key
    /// with each client established out of band; a simulation needs none of that protocol, only keys that
    /// differ per pair and per run and that no party can compute for a pair it is not in (a faulty
    /// replica's shell uses only its own). Same seed, same keys, same run.
    enum KeyDerivation {
        /// SHA-256 of a domain tag, the secret and two ids: the key (or signing seed) of one pair.
        static func derive(_ domain: UInt64, secret: UInt64, _ a: UInt32, _ b: UInt32) -> Digest {
            Digest(deriving: domain, secret: secret, a, b)
        }

        /// The key `sender` uses to authenticate what it sends to `receiver` (k_{sender,receiver}).
        static func sessionKey(secret: UInt64, from sender: NodeID, to receiver: NodeID) -> KeyedHMAC {
            KeyedHMAC(key: derive(0x5042_4654_5345_5353, secret: secret, // "PBFTSESS"
                                  UInt32(bitPattern: sender.rawValue), UInt32(bitPattern: receiver.rawValue)))
        }

        /// The key client `client` authenticates its requests to `replica` with.
        static func requestKey(secret: UInt64, client: ClientID, replica: NodeID) -> KeyedHMAC {
            KeyedHMAC(key: derive(0x5042_4654_5245_5155, secret: secret, // "PBFTREQU"
                                  client.rawValue, UInt32(bitPattern: replica.rawValue)))
        }

        /// The key `replica` authenticates its replies to client `client` with.
        static func replyKey(secret: UInt64, replica: NodeID, client: ClientID) -> KeyedHMAC {
            KeyedHMAC(key: derive(0x5042_4654_5245_504C, secret: secret, // "PBFTREPL"
                                  UInt32(bitPattern: replica.rawValue), client.rawValue))
        }

        /// The 32-byte seed of `replica`'s Ed25519 signing key.
        static func signingSeed(secret: UInt64, of replica: NodeID) -> Digest {
            derive(0x5042_4654_5349_474E, secret: secret, UInt32(bitPattern: replica.rawValue), 0) // "PBFTSIGN"
        }

        /// The 32-byte seed of client `client`'s Ed25519 signing key (`--auth sig`).
        static func clientSigningSeed(secret: UInt64, of client: ClientID) -> Digest {
            derive(0x5042_4654_4353_4947, secret: secret, client.rawValue, 0) // "PBFTCSIG"
        }

        /// A fresh authenticator of `block` by `sender`, in the same form as `template` (the shell's
        /// Byzantine injectors use this: a faulty replica authenticates its lies properly, with its own keys).
        static func reauthenticate(like template: Authenticator, block: AuthBlock, sender: NodeID, secret: UInt64,
                                   receiver: NodeID? = nil) -> Authenticator {
            switch template {
            case .none:
                return .none
            case .mac:
                guard let receiver else { return template }
                return .mac(block.withBytes { sessionKey(secret: secret, from: sender, to: receiver).mac($0) })
            case .macs(let old):
                var v = [MAC](repeating: .zero, count: old.count)
                block.withBytes { bytes in
                    for j in 0 ..< old.count { v[j] = sessionKey(secret: secret, from: sender, to: NodeID(j)).mac(bytes) }
                }
                return .macs(v)
            case .signature:
                return .signature(block.withBytes { Ed25519Signer(seed: signingSeed(secret: secret, of: sender)).sign($0) })
            }
        }
    }

    /// One replica's keys: keyed HMAC states towards and from every replica (itself included, so its
    /// own authenticators verify like anyone's when they come back inside a checkpoint proof), its signing
    /// key and the others' public keys (derived lazily: under `mac` only view changes need them), and
    /// the keys it shares with each client (derived at the client's first request).
    struct Keyring {
        let me: NodeID
        let n: Int
        let mode: Authentication
        let secret: UInt64
        private let outgoing: [KeyedHMAC]
        private let incoming: [KeyedHMAC]
        private var signer: Ed25519Signer?
        private var verifiers: [Ed25519Verifier?]
        /// Per client: the key its requests to this replica carry a MAC under, and the key this
        /// replica's replies to it do (`mac`), or the client's public key (`sig`).
        private var clients: [ClientID: ClientKeys] = [:]

        enum ClientKeys {
            case macs(request: KeyedHMAC, reply: KeyedHMAC)
            case signatures(Ed25519Verifier)
        }

        init(me: NodeID, n: Int, mode: Authentication, secret: UInt64) {
            self.me = me
            self.n = n
            self.mode = mode
            self.secret = secret
            if mode == .mac {
                outgoing = (0 ..< n).map { KeyDerivation.sessionKey(secret: secret, from: me, to: NodeID($0)) }
                incoming = (0 ..< n).map { KeyDerivation.sessionKey(secret: secret, from: NodeID($0), to: me) }
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
                let key = ownSigner()
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
                    verifiers[sender.index] = Ed25519Signer(seed: KeyDerivation.signingSeed(secret: secret, of: sender)).verifier
                }
                let key = verifiers[sender.index]!
                return block.withBytes { key.isValid(s, for: $0) }
            }
        }

        /// This replica's signing key, derived at its first signature (under `mac` only view changes sign).
        private mutating func ownSigner() -> Ed25519Signer {
            if let signer { return signer }
            let made = Ed25519Signer(seed: KeyDerivation.signingSeed(secret: secret, of: me))
            signer = made
            return made
        }

        private mutating func keys(of client: ClientID) -> ClientKeys {
            if let k = clients[client] { return k }
            let k: ClientKeys
            if mode == .mac {
                k = .macs(request: KeyDerivation.requestKey(secret: secret, client: client, replica: me),
                          reply: KeyDerivation.replyKey(secret: secret, replica: me, client: client))
            } else {
                k = .signatures(Ed25519Signer(seed: KeyDerivation.clientSigningSeed(secret: secret, of: client)).verifier)
            }
            clients[client] = k
            return k
        }

        /// Whether `request` carries its client's proof for this replica (its entry of the client's MAC
        /// vector, or its signature; §4.1). Always true under `none`.
        mutating func verifyRequest(_ request: ClientRequest, work: inout CryptoWork) -> Bool {
            if mode == .none { return true }
            let block = AuthBlock(request: request)
            switch (keys(of: request.client), request.authenticator) {
            case (.macs(let key, _), .macs(let v)):
                work.macsVerified += 1
                return v.count == n && block.withBytes { key.mac($0) } == v[me.index]
            case (.signatures(let key), .signature(let s)):
                work.signaturesVerified += 1
                return s.bytes.count == Signature.encodedSize && block.withBytes { key.isValid(s, for: $0) }
            default:
                return false
            }
        }

        /// `reply` with this replica's proof for its client: a MAC under their shared key, or a signature.
        mutating func authenticateReply(_ reply: ClientReply, work: inout CryptoWork) -> ClientReply {
            if mode == .none { return reply }
            switch keys(of: reply.client) {
            case .macs(_, let key):
                work.macsComputed += 1
                return reply.withMAC(key)
            case .signatures:
                work.signaturesMade += 1
                return reply.signed(by: ownSigner())
            }
        }
    }
}

extension ClientReply {
    /// This reply with its replica's MAC for the client, under the key they share.
    func withMAC(_ key: PBFT.HMACKey) -> ClientReply {
        var signed = self
        signed.authenticator = .mac(PBFT.AuthBlock(reply: self).withBytes { key.mac($0) })
        return signed
    }

    /// This reply with its replica's signature.
    func signed(by key: PBFT.Ed25519Signer) -> ClientReply {
        var signed = self
        signed.authenticator = .signature(PBFT.AuthBlock(reply: self).withBytes { key.sign($0) })
        return signed
    }
}
