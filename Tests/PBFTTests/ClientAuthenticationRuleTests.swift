import ConsensusCore
import Testing
@testable import PBFT

/// Clients and replicas authenticate each other (§4.1, TOCS §3.2): a request carries one MAC per
/// replica (or the client's signature), a reply its replica's MAC; every key derives from the run's
/// shared secret. The primary orders requests, it cannot make or change them.
@Suite("PBFT client authentication")
struct ClientAuthenticationRuleTests {
    @Test("a request without its client's authenticator is dropped and reported rejected", arguments: [PBFT.Authentication.mac, .signatures])
    func unauthenticatedRequestRejected(auth: PBFT.Authentication) {
        let primary = makeReplica(id: 0, settings: settings(auth: auth))
        let bare = ClientRequest(client: ClientID(1), sequence: 1, command: .put(Key(0), Value(tag: 1, size: 16)))
        let out = primary.request(bare)
        #expect(out.broadcasts.isEmpty)
        #expect(out.rejectedKinds == [PBFT.Replica.requestKind])
        // The same request with its client's proof is ordered.
        #expect(primary.request(put(sequence: 1, auth: auth)).broadcasts.count == 1)
    }

    @Test("keys derive from the run's secret: a request authenticated under another run's keys is rejected")
    func keysArePerRun() {
        let primary = makeReplica(id: 0)  // secret 0
        var other = cluster(4)
        other.secret = ClusterConfig.secret(forSeed: 2)
        let request = ClientRequest(client: ClientID(1), sequence: 1, command: .put(Key(0), Value(tag: 1, size: 16)))
        let elsewhere = PBFT.ClientKeyring(cluster: other, mode: .mac).authenticate(request)
        let here = PBFT.ClientKeyring(cluster: cluster(4), mode: .mac).authenticate(request)
        #expect(elsewhere.authenticator != here.authenticator)
        #expect(primary.request(elsewhere).rejectedKinds == [PBFT.Replica.requestKind])
        #expect(ClusterConfig.secret(forSeed: 1) != ClusterConfig.secret(forSeed: 2))
    }

    @Test("a backup rejects a pre-prepare whose request the primary altered, even with the primary's own MACs right")
    func alteredRequestRejected() {
        var primary = Forger(0)
        let backup = makeReplica(id: 1)
        let honest = primary.prePrepare(sequence: 1, batch: [put(sequence: 1)])
        guard let forged = honest.forged(cluster: cluster(4)), case .prePrepare(let m) = forged else {
            Issue.record("a pre-prepare with a client request must have a forged version")
            return
        }
        #expect(m.requests[0].command != put(sequence: 1).command)
        #expect(m.requests[0].authenticator == put(sequence: 1).authenticator, "the client's MACs are kept: the primary cannot make new ones")
        let out = backup.deliver(forged, from: 0)
        #expect(out.prepares.isEmpty)
        #expect(out.rejectedKinds == [PBFT.Message.Kind.prePrepare])
        // Without client authentication nothing tells the forgery apart.
        let trusting = makeReplica(id: 1, settings: settings(auth: .none))
        var unauthenticated = Forger(0, auth: .none)
        let bare = ClientRequest(client: ClientID(1), sequence: 1, command: .put(Key(0), Value(tag: 1, size: 16)))
        let forgedBare = unauthenticated.prePrepare(sequence: 1, batch: [bare]).forged(cluster: cluster(4))!
        #expect(trusting.deliver(forgedBare, from: 0).prepares.count == 1)
    }

    @Test("an equivocating primary sends some backups the real requests of its earlier proposal, which they accept")
    func equivocationWithRealRequests() {
        var primary = Forger(0)
        let first = primary.prePrepare(sequence: 1, batch: [put(client: 2, sequence: 1)])
        let second = primary.prePrepare(sequence: 2, batch: [put(client: 3, sequence: 1)])
        guard case .prePrepare(let lie)? = second.equivocated(variant: 1, earlier: first, cluster: cluster(4)) else {
            Issue.record("a pre-prepare must have an equivocated version")
            return
        }
        #expect(lie.sequence == 2 && lie.requests == [put(client: 2, sequence: 1)])
        let backup = makeReplica(id: 1)
        let out = backup.deliver(.prePrepare(lie), from: 0)
        #expect(out.rejectedKinds.isEmpty)
        #expect(out.prepares.first?.digest == digest([put(client: 2, sequence: 1)]))
    }

    @Test("a reply carries its replica's MAC: the client takes it, and rejects it under another replica's name or changed")
    func replyAuthenticated() {
        let c = lockstepCluster()
        final class Replies { var all: [ClientReply] = [] }
        let seen = Replies()
        c.observer = { step in
            for effect in step.effects { if case .reply(let r) = effect { seen.all.append(r) } }
        }
        c.order(ClientRequest(client: ClientID(1), sequence: 1, command: .put(Key(0), Value(tag: 1, size: 16))))
        _ = c.deliverAll()
        let keys = PBFT.ClientKeyring(cluster: cluster(4), mode: .mac)
        let replies = seen.all.filter { $0.sequence == 1 }
        #expect(replies.count == 4)
        for reply in replies {
            guard case .mac = reply.authenticator else { Issue.record("reply without a MAC: \(reply)"); continue }
            #expect(keys.verifies(reply))
            var impostor = reply
            impostor.replica = NodeID((reply.replica.index + 1) % 4)
            #expect(!keys.verifies(impostor))
            var changed = reply
            changed.outcome = .executed(.value(Value(tag: 77, size: 16)))
            #expect(!keys.verifies(changed))
            // A faulty replica's shell re-authenticates its lie with the replica's own key.
            #expect(keys.verifies(PBFT.Replica.reauthenticated(changed, cluster: cluster(4), settings: settings())))
        }
    }
}
