import Checker
import ConsensusCore
import ShellKit

// MARK: - A step's effects, carried out in virtual time

extension Simulator {
    /// Carries out the outbox of `node`, whose step finished at `time`: the step's crypto work is
    /// charged first, then sends depart one after another as the node serialises them. Debug builds
    /// (every test, and the fault search in CI) first assert the replica's invariants.
    func carryOut(node: Int32, at time: Int64) {
        #if DEBUG
        replicas[Int(node)].checkInvariants()  // every step ends here (start, timer, message, request, restart)
        #endif
        var step = SimulatedStep(simulator: self, node: node, clock: time + options.cpu.cost(of: outbox.cryptoWork))
        outbox.carryOut(into: &step)
        busyUntil[Int(node)] = max(busyUntil[Int(node)], step.clock)
    }
}

/// One replica's step as the simulator performs it: `clock` is when the node's CPU is free for the
/// next effect (each send costs `perSend`, each persist `perPersist`).
public struct SimulatedStep<R: Replica>: EffectPerformer {
    unowned(unsafe) let simulator: Simulator<R>
    let node: Int32
    var clock: Int64

    var index: Int { Int(node) }

    @inline(__always) public mutating func send(_ message: R.Message, to peer: NodeID) {
        clock += simulator.options.cpu.perSend.nanoseconds
        simulator.send(message, from: node, to: peer.rawValue, at: &clock)
    }

    /// An honest replica's broadcast is stored once for all receivers; a Byzantine one's is tampered
    /// per receiver.
    @inline(__always) public mutating func broadcast(_ message: R.Message) {
        if simulator.byzantine[index] == nil {
            simulator.multicast(message, from: node, at: &clock)
        } else {
            for j in 0 ..< Int32(simulator.cluster.replicaCount) where j != node {
                clock += simulator.options.cpu.perSend.nanoseconds
                simulator.send(message, from: node, to: j, at: &clock)
            }
        }
    }

    @inline(__always) public mutating func setTimer(_ timer: TimerID, after: Interval) {
        let slot = index * Simulator<R>.maximumTimers + Int(timer.rawValue)
        simulator.timerGeneration[slot] &+= 1
        simulator.schedule(at: clock + after.nanoseconds, .timer(node: node, timer, incarnation: simulator.incarnation[index],
                                                                 generation: simulator.timerGeneration[slot]))
    }

    @inline(__always) public mutating func cancelTimer(_ timer: TimerID) {
        simulator.timerGeneration[index * Simulator<R>.maximumTimers + Int(timer.rawValue)] &+= 1
    }

    @inline(__always) public mutating func reply(_ reply: ClientReply) {
        clock += simulator.options.cpu.perSend.nanoseconds
        simulator.sendReply(reply, from: node, at: clock)
    }

    @inline(__always) public mutating func persist() {
        simulator.persistCount += 1
        clock += simulator.options.cpu.perPersist.nanoseconds
    }

    /// Checked at once by the safety monitor (honest replicas only).
    @inline(__always) public mutating func applied(position: UInt64, request: ClientRequest, executed: Bool) {
        guard simulator.byzantine[index] == nil else { return }
        simulator.safety.recordApplied(replica: NodeID(index), position: position, request: request, executed: executed,
                                       isSent: simulator.clientDriver.wasSent(request))
    }

    /// The current leader is the one with the highest epoch (ties: the later one).
    @inline(__always) public mutating func becameLeader(epoch: UInt64) {
        simulator.leadership.append((Instant(nanoseconds: clock), NodeID(index), epoch))
        if epoch >= simulator.currentLeaderEpoch || simulator.currentLeader == nil {
            simulator.currentLeaderEpoch = epoch
            simulator.currentLeader = NodeID(index)
        }
        if simulator.window.contains(Instant(nanoseconds: clock)) { simulator.leaderChangesInWindow += 1 }
    }

    @inline(__always) public mutating func rejected(messageKind: Int) { simulator.stats.reject(kind: messageKind) }
}
