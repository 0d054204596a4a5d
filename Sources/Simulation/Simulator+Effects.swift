import Checker
import ConsensusCore
import ShellKit

// MARK: - A step's effects, carried out in virtual time

extension Simulator {
    /// Carries out the outbox of `node`, whose step finished at `time`: the step's crypto work is
    /// charged first, then sends depart one after another as the node serialises them.
    func carryOut(node: Int32, at time: Int64) {
        var step = Step(simulator: self, node: node, clock: time + options.cpu.cost(of: outbox.cryptoWork))
        outbox.carryOut(into: &step)
        busyUntil[Int(node)] = max(busyUntil[Int(node)], step.clock)
    }

    /// One replica's step as the simulator performs it: `clock` is when the node's CPU is free for the
    /// next effect (each send costs `perSend`, each persist `perPersist`).
    struct Step: EffectPerformer {
        unowned(unsafe) let simulator: Simulator
        let node: Int32
        var clock: Int64

        var index: Int { Int(node) }

        mutating func send(_ message: Message, to peer: NodeID) {
            clock += simulator.options.cpu.perSend.nanoseconds
            simulator.send(message, from: node, to: peer.rawValue, at: &clock)
        }

        /// An honest replica's broadcast is stored once for all receivers; a Byzantine one's is tampered
        /// per receiver.
        mutating func broadcast(_ message: Message) {
            if simulator.byzantine[index] == nil {
                simulator.multicast(message, from: node, at: &clock)
            } else {
                for j in 0 ..< Int32(simulator.cluster.replicaCount) where j != node {
                    clock += simulator.options.cpu.perSend.nanoseconds
                    simulator.send(message, from: node, to: j, at: &clock)
                }
            }
        }

        mutating func setTimer(_ timer: TimerID, after: Interval) {
            let slot = index * Simulator.maximumTimers + Int(timer.rawValue)
            simulator.timerGeneration[slot] &+= 1
            simulator.schedule(at: clock + after.nanoseconds, .timer(node: node, timer, incarnation: simulator.incarnation[index],
                                                                     generation: simulator.timerGeneration[slot]))
        }

        mutating func cancelTimer(_ timer: TimerID) {
            simulator.timerGeneration[index * Simulator.maximumTimers + Int(timer.rawValue)] &+= 1
        }

        mutating func reply(_ reply: ClientReply) {
            clock += simulator.options.cpu.perSend.nanoseconds
            simulator.sendReply(reply, from: node, at: clock)
        }

        mutating func persist() {
            simulator.persistCount += 1
            clock += simulator.options.cpu.perPersist.nanoseconds
        }

        /// Checked at once by the safety monitor (honest replicas only).
        mutating func applied(position: UInt64, request: ClientRequest, executed: Bool) {
            guard simulator.byzantine[index] == nil else { return }
            simulator.safety.recordApplied(replica: NodeID(index), position: position, request: request, executed: executed,
                                           isSent: simulator.clientDriver.sent.contains(request))
        }

        /// The current leader is the one with the highest epoch (ties: the later one).
        mutating func becameLeader(epoch: UInt64) {
            simulator.leadership.append((Instant(nanoseconds: clock), NodeID(index), epoch))
            if epoch >= simulator.currentLeaderEpoch || simulator.currentLeader == nil {
                simulator.currentLeaderEpoch = epoch
                simulator.currentLeader = NodeID(index)
            }
            if simulator.window.contains(Instant(nanoseconds: clock)) { simulator.leaderChangesInWindow += 1 }
        }

        mutating func rejected(messageKind: Int) { simulator.stats.reject(kind: messageKind) }
    }
}
