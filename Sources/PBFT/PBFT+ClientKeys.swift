import ConsensusCore
import Crypto

extension PBFT {
    /// The workload's side of client authentication (§4.1, TOCS §3.2): each client shares a key with
    /// each replica, derived from the cluster's secret. A request carries an authenticator with one MAC
    /// per replica (or the client's signature under `--auth sig`), so every replica, not only the
    /// primary, can check that the client sent it; a reply carries its replica's MAC (or signature), so
    /// a faulty replica cannot answer in another's name. Keys are derived at a client's first use.
    public final class ClientKeyring: ClientCredentials {
        let n: Int
        let mode: Authentication
        let secret: UInt64
        /// Per client (by index): its request key towards every replica, then every replica's reply key
        /// towards it (`mac`), made at its first request.
        private var macKeys: [[KeyedHMAC]] = []
        private var signers: [Ed25519Signer?] = []
        private var replicaVerifiers: [Ed25519Verifier?]

        public init(cluster: ClusterConfig, mode: Authentication) {
            n = cluster.replicaCount
            self.mode = mode
            secret = cluster.secret
            replicaVerifiers = Array(repeating: nil, count: cluster.replicaCount)
        }

        private func macKeys(of client: ClientID) -> [KeyedHMAC] {
            let c = client.index
            if c >= macKeys.count { macKeys.append(contentsOf: repeatElement([], count: c + 1 - macKeys.count)) }
            if macKeys[c].isEmpty {
                macKeys[c] = (0 ..< n).map { KeyDerivation.requestKey(secret: secret, client: client, replica: NodeID($0)) }
                    + (0 ..< n).map { KeyDerivation.replyKey(secret: secret, replica: NodeID($0), client: client) }
            }
            return macKeys[c]
        }

        public func authenticate(_ request: ClientRequest) -> ClientRequest {
            var signed = request
            let block = AuthBlock(request: request)
            switch mode {
            case .none:
                return request
            case .mac:
                let keys = macKeys(of: request.client)
                let n = n
                signed.authenticator = .macs(block.withBytes { bytes in
                    [MAC](unsafeUninitializedCapacity: n) { buffer, count in
                        for j in 0 ..< n { buffer.initializeElement(at: j, to: keys[j].mac(bytes)) }
                        count = n
                    }
                })
            case .signatures:
                let c = request.client.index
                if c >= signers.count { signers.append(contentsOf: repeatElement(nil, count: c + 1 - signers.count)) }
                if signers[c] == nil { signers[c] = Ed25519Signer(seed: KeyDerivation.clientSigningSeed(secret: secret, of: request.client)) }
                let key = signers[c]!
                signed.authenticator = .signature(block.withBytes { key.sign($0) })
            }
            return signed
        }

        public func verifies(_ reply: ClientReply) -> Bool {
            let r = reply.replica.index
            guard r >= 0, r < n else { return false }
            let block = AuthBlock(reply: reply)
            switch (mode, reply.authenticator) {
            case (.none, _):
                return true
            case (.mac, .mac(let m)):
                return block.withBytes { macKeys(of: reply.client)[n + r].mac($0) } == m
            case (.signatures, .signature(let s)):
                if replicaVerifiers[r] == nil {
                    replicaVerifiers[r] = Ed25519Signer(seed: KeyDerivation.signingSeed(secret: secret, of: reply.replica)).verifier
                }
                return s.bytes.count == Signature.encodedSize && block.withBytes { replicaVerifiers[r]!.isValid(s, for: $0) }
            default:
                return false
            }
        }
    }
}

extension PBFT.Replica {
    public static func clientCredentials(cluster: ClusterConfig, settings: Settings) -> (any ClientCredentials)? {
        settings.auth == .none ? nil : PBFT.ClientKeyring(cluster: cluster, mode: settings.auth)
    }

    /// A faulty replica's lie, with its own MAC (or signature) for the client: the client cannot tell it
    /// from an honest reply by its authenticator, only by the f+1 matching replies it waits for.
    public static func reauthenticated(_ reply: ClientReply, cluster: ClusterConfig, settings: Settings) -> ClientReply {
        switch settings.auth {
        case .none:
            return reply
        case .mac:
            return reply.withMAC(PBFT.KeyDerivation.replyKey(secret: cluster.secret, replica: reply.replica, client: reply.client))
        case .signatures:
            return reply.signed(by: PBFT.Ed25519Signer(seed: PBFT.KeyDerivation.signingSeed(secret: cluster.secret, of: reply.replica)))
        }
    }
}
