import ConsensusCore

// MARK: - Event-loop ticks (`EventLoopTicks`): the tick's turns and its flush

extension Simulator {
    /// Carries out a replica's step; with `eventLoopTicks` its sends wait for the tick's flush, and the
    /// tick ends here if nothing that was ready at its start remains on the CPU.
    @inline(__always) func carryOutStep(node: Int32, at time: Int64) {
        guard ticks.isOn else { return carryOut(node: node, at: time) }
        flushingCPU = cpuOf[Int(node)]
        carryOut(node: node, at: time)
        endTickIfDone(cpu: cpuOf[Int(node)])
    }

    /// Keeps a peer message, stored in `slot`, for `flushingCPU`'s flush.
    @inline(__always) func holdForFlush(slot: Int32, from: Int32, to: Int32) {
        messages.retain(slot)
        ticks.pendingFrames[flushingCPU].append(PendingFrame(slot: slot, from: from, to: to, incarnation: incarnation[Int(from)]))
    }

    /// Ends CPU `c`'s tick if none of its replicas holds an input that was ready when it began: what
    /// the tick's steps wrote leaves now, when the last of them finished (the loop's flush).
    func endTickIfDone(cpu c: Int) {
        flushingCPU = -1
        guard ticks.hasPending(cpu: c) else { return }
        let cpus = busyUntil.count
        var r = c
        while r < cluster.replicaCount {
            if let arrival = ticks.arrivals[r].first, ticks.isInCurrentTick(cpu: c, arrival: arrival) { return }
            r += cpus
        }
        flushTick(cpu: c, at: busyUntil[c])
    }

    /// Routes what CPU `c`'s tick wrote, departing at `time`; a sender that crashed since sends nothing.
    func flushTick(cpu c: Int, at time: Int64) {
        ticks.beginFlush(cpu: c)
        for f in ticks.flushingFrames {
            if up[Int(f.from)], incarnation[Int(f.from)] == f.incarnation {
                let (arrival, duplicate) = route(size: messages.frameSize(f.slot), from: f.from, to: f.to, departure: time)
                if arrival >= 0 { scheduleDelivery(of: f.slot, to: f.to, at: arrival) }
                if duplicate >= 0 { scheduleDelivery(of: f.slot, to: f.to, at: duplicate) }
            }
            messages.release(f.slot)
        }
        for p in ticks.flushingReplies where up[Int(p.from)] && incarnation[Int(p.from)] == p.incarnation {
            sendReply(p.reply, from: p.from, at: time)
        }
        ticks.endFlush()
    }

    /// The replica whose turn it is on CPU `c`: the run queue's head, or with `eventLoopTicks` the first
    /// replica in it whose next input belongs to the current tick (a loop finishes what was ready at
    /// its `epoll_wait` before it takes what arrived since, such as a frame a replica on the same loop
    /// wrote in this tick), and the head if none does (a new tick begins).
    func nextTurn(cpu c: Int) -> Int32? {
        if ticks.isOn, runQueue[c].count > 1 {
            for (position, node) in runQueue[c].enumerated() {
                guard let arrival = ticks.arrivals[Int(node)].first, ticks.isInCurrentTick(cpu: c, arrival: arrival) else { continue }
                return runQueue[c].remove(at: position)
            }
        }
        return runQueue[c].popFirst()
    }

}
