import ConsensusCore
import Crypto
@testable import PBFT
import Testing

/// Authentication (TOCS §3.2): MAC authenticators, signatures, and what the Byzantine hooks do to them.
@Suite("PBFT authentication")
struct AuthenticationRuleTests {
    @Test("HMAC-SHA256 matches RFC 4231 test case 1, in every implementation this build compiles")
    func hmacTestVector() {
        // Key: 20 bytes of 0x0b (the zero padding to 32 bytes is what HMAC's own padding adds anyway).
        let keyWord: UInt64 = 0x0B0B_0B0B_0B0B_0B0B
        let key = PBFT.Digest(keyWord, keyWord, 0x0000_0000_0B0B_0B0B, 0)
        let expected: [UInt8] = [0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53, 0x5c, 0xa8, 0xaf, 0xce, 0xaf, 0x0b, 0xf1, 0x2b,
                                 0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83, 0x3d, 0xa7, 0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7]
        for implementation in PBFT.compiledHMACs {
            let code = Array("Hi There".utf8).withUnsafeBytes { implementation.init(key: key).code($0) }
            #expect(bytes(of: code) == expected, "\(implementation)")
        }
    }

    @Test("every HMAC implementation agrees with swift-crypto's HMAC<SHA256> for messages of every length up to three blocks")
    func keyedHMACMatchesSwiftCrypto() {
        #expect(!PBFT.compiledHMACs.isEmpty)
        for implementation in PBFT.compiledHMACs {
            var random = DeterministicRandom(seed: 4231)
            for length in 0 ... 200 {
                let key = PBFT.Digest(random.next(), random.next(), random.next(), random.next())
                let message = (0 ..< length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                let ours = message.withUnsafeBytes { implementation.init(key: key).code($0) }
                let theirs = Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: bytes(of: key))))
                #expect(bytes(of: ours) == theirs, "\(implementation), message of \(length) bytes")
            }
        }
    }

    @Test("on Linux the replicas' MACs run on BoringSSL's compression function, and the portable HMAC is compiled too")
    func replicasUseTheCompressionFunctionOnLinux() {
        #if os(Linux)
        // Were swift-crypto to stop exposing CCryptoBoringSSL, the replicas would fall back to the portable
        // HMAC: the same codes, but allocating ones and slower. Fail here rather than in the speed figures.
        #expect(PBFT.compiledHMACs.count == 2)
        #expect(PBFT.KeyedHMAC.self == PBFT.compiledHMACs[0])
        #endif
        #expect(PBFT.compiledHMACs.contains { $0 == PBFT.PortableHMAC.self })
    }

    /// A digest's 32 bytes in wire order.
    private func bytes(of digest: PBFT.Digest) -> [UInt8] {
        withUnsafeBytes(of: (digest.w0.littleEndian, digest.w1.littleEndian, digest.w2.littleEndian, digest.w3.littleEndian)) { Array($0) }
    }

    @Test("a message with a bad MAC is dropped and reported rejected", arguments: [PBFT.Authentication.mac, .signatures])
    func badAuthenticatorRejected(auth: PBFT.Authentication) {
        let backup = makeReplica(id: 1, settings: settings(auth: auth))
        var primary = Forger(0, auth: auth)
        var other = Forger(2, auth: auth)
        let batch = [put(sequence: 1, auth: auth)]
        let forged = primary.prePrepare(sequence: 1, batch: batch).corrupted()
        let out = backup.deliver(forged, from: 0)
        #expect(out.prepares.isEmpty)
        #expect(out.rejectedKinds == [PBFT.Message.Kind.prePrepare])
        #expect(backup.acceptedDigest(1) == nil)
        // A well-authenticated one still goes through, and a corrupted PREPARE is rejected too.
        #expect(backup.deliver(primary.prePrepare(sequence: 1, batch: batch), from: 0).prepares.count == 1)
        let badPrepare = backup.deliver(other.prepare(sequence: 1, digest: digest(batch)).corrupted(), from: 2)
        #expect(badPrepare.rejectedKinds == [PBFT.Message.Kind.prepare])
        #expect(!backup.isPrepared(1))
    }

    @Test("a message authenticated by one replica but delivered as another's is rejected")
    func impersonationRejected() {
        let backup = makeReplica(id: 1)
        var mallory = Forger(3)
        let batch = [put(sequence: 1)]
        // Replica 3 builds a prepare claiming to be replica 2 with its own keys.
        guard case .prepare(var m) = mallory.prepare(sequence: 1, digest: digest(batch)) else { return }
        m.replica = NodeID(2)
        _ = backup.deliver(Forger(0).withPrePrepare(sequence: 1, batch: batch), from: 0)
        let out = backup.deliver(.prepare(m), from: 2)
        #expect(out.rejectedKinds == [PBFT.Message.Kind.prepare])
    }

    @Test("every receiver of a multicast checks only its own entry of the authenticator")
    func authenticatorEntriesPerReceiver() {
        var primary = Forger(0, n: 7)
        guard case .prePrepare(let m) = primary.prePrepare(sequence: 1, batch: [put(sequence: 1)]),
              case .macs(let vector) = m.authenticator else { Issue.record("expected a MAC vector"); return }
        #expect(vector.count == 7)
        var work = CryptoWork()
        for j in 1 ..< 7 {
            var keys = PBFT.Keyring(me: NodeID(j), n: 7, mode: .mac, secret: 0)
            #expect(keys.verify(m.authenticator, m.block, from: NodeID(0), .multicast, work: &work))
            // The same vector with this receiver's entry broken fails here only.
            var broken = vector
            broken[j] = PBFT.MAC(high: broken[j].high ^ 1, low: broken[j].low)
            #expect(!keys.verify(.macs(broken), m.block, from: NodeID(0), .multicast, work: &work))
        }
        #expect(work.macsVerified == 12)
    }

    @Test("an equivocated pre-prepare is properly authenticated but orders another request", arguments: [PBFT.Authentication.mac, .signatures, .none])
    func equivocationIsAuthentic(auth: PBFT.Authentication) {
        var primary = Forger(0, auth: auth)
        let batch = [put(sequence: 1, auth: auth)]
        let honest = primary.prePrepare(sequence: 1, batch: batch)
        guard let lie = honest.equivocated(variant: 1, earlier: nil, cluster: cluster(4)), let other = honest.equivocated(variant: 2, earlier: nil, cluster: cluster(4)) else {
            Issue.record("a pre-prepare must have an equivocated version")
            return
        }
        let a = makeReplica(id: 1, settings: settings(auth: auth))
        let b = makeReplica(id: 2, settings: settings(auth: auth))
        let outA = a.deliver(honest, from: 0)
        let outB = b.deliver(lie, from: 0)
        #expect(outA.rejectedKinds.isEmpty && outB.rejectedKinds.isEmpty)
        #expect(outA.prepares.first?.digest == digest(batch))
        #expect(outB.prepares.first?.digest == digest([PBFT.equivocationRequest(variant: 1)]))
        #expect(outA.prepares.first?.digest != outB.prepares.first?.digest)
        guard case .prePrepare(let l1) = lie, case .prePrepare(let l2) = other else { return }
        #expect(l1.digest != l2.digest)
        // A faulty backup's equivocated PREPARE names the digest of the same conflicting request.
        var backup = Forger(3, auth: auth)
        guard case .prepare(let p)? = backup.prepare(sequence: 1, digest: digest(batch)).equivocated(variant: 1, earlier: nil, cluster: cluster(4)) else {
            Issue.record("a prepare must have an equivocated version")
            return
        }
        #expect(p.digest == l1.digest)
        let out = b.deliver(.prepare(p), from: 3)
        #expect(out.rejectedKinds.isEmpty)
        #expect(b.isPrepared(1))  // own prepare + 3's: both for the lie, so b is prepared for it
        #expect(PBFT.Message.prepare(p).equivocated(variant: 1, earlier: nil, cluster: cluster(4)) != nil)
        #expect(PBFT.Message.fetch(PBFT.Fetch(installedView: 0, from: 1, replica: NodeID(0), authenticator: .none)).equivocated(variant: 1, earlier: nil, cluster: cluster(4)) == nil)
    }

    @Test("with --auth none a corrupted pre-prepare is still caught by its digest")
    func corruptWithoutAuthentication() {
        var primary = Forger(0, auth: .none)
        let backup = makeReplica(id: 1, settings: settings(auth: .none))
        let out = backup.deliver(primary.prePrepare(sequence: 1, batch: [put(sequence: 1)]).corrupted(), from: 0)
        #expect(out.rejectedKinds == [PBFT.Message.Kind.prePrepare])
    }

    @Test("crypto work is recorded: a multicast computes n MACs, a receiver verifies its entry of each authenticator (the primary's and the client's)")
    func cryptoWorkRecorded() {
        let primary = makeReplica(id: 0)
        let out = primary.request(put(sequence: 1))
        #expect(out.cryptoWork.macsVerified == 1)  // the client's MAC for the primary
        #expect(out.cryptoWork.macsComputed == 4)
        #expect(out.cryptoWork.digestsComputed == 1)
        let backup = makeReplica(id: 1)
        guard let pp = out.broadcasts.first else { Issue.record("no pre-prepare"); return }
        let received = backup.deliver(pp, from: 0)
        #expect(received.cryptoWork.macsVerified == 2)
        #expect(received.cryptoWork.digestsComputed == 1)
        #expect(received.cryptoWork.macsComputed == 4)  // its PREPARE's authenticator
        let none = makeReplica(id: 0, settings: settings(auth: .none)).request(put(sequence: 1))
        #expect(none.cryptoWork.macsComputed == 0 && none.cryptoWork.signaturesMade == 0)
    }
}

extension Forger {
    func withPrePrepare(sequence: UInt64, batch: [ClientRequest]) -> PBFT.Message {
        var copy = self
        return copy.prePrepare(sequence: sequence, batch: batch)
    }
}
