import ConsensusCore
import Testing

@Suite("The KV state machine and its session table")
struct KVStateMachineTests {
    let c1 = ClientID(1)
    func v(_ tag: UInt64) -> Value { Value(tag: tag, size: 16) }

    @Test("a retried request executes once and returns the remembered result")
    func retryExecutesOnce() {
        var kv = KVStateMachine()
        let put = ClientRequest(client: c1, sequence: 1, command: .put(Key(1), v(10)))
        #expect(kv.apply(put) == .value(nil))
        let cas = ClientRequest(client: c1, sequence: 2, command: .cas(Key(1), expected: v(10), new: v(11)))
        #expect(kv.apply(cas) == .swapped(true, previous: v(10)))
        #expect(kv.apply(cas) == .swapped(true, previous: v(10)), "the duplicate answers from the session table")
        #expect(kv.store[Key(1)] == v(11))
        #expect(kv.executedCount == 2)
    }

    @Test("a request older than the session's latest is ignored")
    func staleRequestIgnored() {
        var kv = KVStateMachine()
        kv.apply(ClientRequest(client: c1, sequence: 2, command: .put(Key(1), v(2))))
        #expect(kv.apply(ClientRequest(client: c1, sequence: 1, command: .put(Key(1), v(1)))) == nil)
        #expect(kv.store[Key(1)] == v(2))
    }

    @Test("a cas whose expectation does not hold changes nothing")
    func casFails() {
        var kv = KVStateMachine()
        kv.apply(ClientRequest(client: c1, sequence: 1, command: .put(Key(1), v(1))))
        let r = kv.apply(ClientRequest(client: c1, sequence: 2, command: .cas(Key(1), expected: v(9), new: v(3))))
        #expect(r == .swapped(false, previous: v(1)))
        #expect(kv.store[Key(1)] == v(1))
    }

    @Test("the digest depends on the order of execution")
    func digestIsOrderSensitive() {
        var a = KVStateMachine(), b = KVStateMachine()
        let r1 = ClientRequest(client: c1, sequence: 1, command: .put(Key(1), v(1)))
        let r2 = ClientRequest(client: ClientID(2), sequence: 1, command: .put(Key(1), v(2)))
        a.apply(r1); a.apply(r2)
        b.apply(r2); b.apply(r1)
        #expect(a.digest != b.digest)
    }
}
