import Checker
import ConsensusCore
import ShellKit

// MARK: - A step's effects, carried out in virtual time

extension Simulator {
    /// Carries out the outbox of `node`, whose step finished at `time`: the step's crypto work is
    /// charged first, then sends depart one after another as the node serialises them. Debug builds
    /// (every test, and the fault search in CI) first assert the replica's invariants.
    ///
    /// The one place the effects are walked outside `Outbox.carryOut`, on purpose: through an
    /// `EffectPerformer` the specialised run lost 7 % (Raft n=5, 64 clients, best of 5: 1.59 M against
    /// 1.71 M simulated messages per second with this switch), because the performer's calls into the
    /// simulator are not inlined across the module boundary where the harness specialises the run.
    /// A new kind of effect therefore needs a case here as well as in `Outbox.carryOut` (the compiler
    /// asks for both: both switches are exhaustive).
    func carryOut(node: Int32, at time: Int64) {
        let i = Int(node)
        #if DEBUG
        replicas[i].checkInvariants()  // every step ends here (start, timer, message, request, restart)
        #endif
        let cpu = options.cpu
        var clock = time + cpu.cost(of: outbox.cryptoWork)
        for effect in outbox.effects {
            switch effect {
            case .send(let message, let to):
                clock += sendCost[message.kind]
                if ticks.isOn { clock += ticks.writes(cpu: cpuOf[i], from: i, to: Int(to.rawValue)) }
                if sendsHeldUntil[i] > clock {
                    hold(message, from: node, to: to.rawValue)
                    continue
                }
                send(message, from: node, to: to.rawValue, at: &clock)
            case .broadcast(let message):
                if sendsHeldUntil[i] > clock {
                    clock += sendCost[message.kind] * Int64(cluster.replicaCount - 1)
                    hold(message, from: node, to: -1)
                    continue
                }
                // An honest replica's broadcast is stored once for all receivers; a Byzantine one's is
                // tampered per receiver.
                if byzantine[i] == nil {
                    multicast(message, from: node, at: &clock)
                } else {
                    for j in 0 ..< Int32(cluster.replicaCount) where j != node {
                        clock += sendCost[message.kind]
                        if ticks.isOn { clock += ticks.writes(cpu: cpuOf[i], from: i, to: Int(j)) }
                        send(message, from: node, to: j, at: &clock)
                    }
                }
            case .setTimer(let timer, let after):
                let slot = i * Self.maximumTimers + Int(timer.rawValue)
                timerGeneration[slot] &+= 1
                schedule(at: clock + after.nanoseconds, .timer(node: node, timer, incarnation: incarnation[i], generation: timerGeneration[slot]))
            case .cancelTimer(let timer):
                timerGeneration[i * Self.maximumTimers + Int(timer.rawValue)] &+= 1
            case .reply(let reply):
                clock += sendCost[stats.replyKind]
                if ticks.isOn { clock += ticks.writes(cpu: cpuOf[i], from: i, to: cluster.replicaCount) }
                if sendsHeldUntil[i] > clock {
                    schedule(at: sendsHeldUntil[i], .heldReply(reply, node: node, incarnation: incarnation[i]))
                    continue
                }
                if flushingCPU >= 0 {
                    ticks.pendingReplies[flushingCPU].append(PendingReply(reply: reply, from: node, incarnation: incarnation[i]))
                    continue
                }
                sendReply(reply, from: node, at: clock)
            case .persist:
                persistCount += 1
                clock = persist(node: i, at: clock)
            case .applied(let position, let request, let executed):
                // Checked at once by the safety monitor (honest replicas only).
                if byzantine[i] == nil {
                    safety.recordApplied(replica: NodeID(i), position: position, request: request, executed: executed,
                                         isSent: clientDriver.wasSent(request))
                    if options.stopsAtFirstViolation, !safety.isSafe { stopRequested = true }
                }
            case .becameLeader(let epoch):
                // The current leader is the one with the highest epoch (ties: the later one).
                leadership.append((Instant(nanoseconds: clock), NodeID(i), epoch))
                if byzantine[i] == nil {
                    safety.recordLeader(replica: NodeID(i), epoch: epoch)
                    if options.stopsAtFirstViolation, !safety.isSafe { stopRequested = true }
                }
                if epoch >= currentLeaderEpoch || currentLeader == nil {
                    currentLeaderEpoch = epoch
                    currentLeader = NodeID(i)
                }
                if window.contains(Instant(nanoseconds: clock)) { leaderChangesInWindow += 1 }
            case .rejected(let kind):
                stats.reject(kind: kind)
            case .unsafe(let detail):
                if byzantine[i] == nil {
                    safety.report(.agreement, "replica \(i): \(detail)")
                    if options.stopsAtFirstViolation { stopRequested = true }
                }
            }
        }
        busyUntil[cpuOf[i]] = max(busyUntil[cpuOf[i]], clock)
    }
}
