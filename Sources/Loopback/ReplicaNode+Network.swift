import ConsensusCore
import NIOCore
import NIOPosix

// MARK: - Sockets: the listener, the connections we dial, and the frames that arrive

extension ReplicaNode {
    /// Binds the listener (on `port`, or an ephemeral port the first time) and returns the bound port.
    func listen() -> EventLoopFuture<Int> {
        let box = NIOLoopBound(self, eventLoop: loop)
        return ServerBootstrap(group: loop, childGroup: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(box.value.makeConnection(role: .unidentified))
                }
            }
            .bind(host: options.bindHost, port: port)
            .assumeIsolated()
            .map { [self] (channel: Channel) -> Int in
                let bound = channel.localAddress?.port ?? port
                guard live else {
                    channel.close(promise: nil)
                    return bound
                }
                listener = channel
                port = bound
                return bound
            }
            .nonisolated()
    }

    /// A connection whose callbacks call this node's methods directly (see `ConnectionCallbacks` for
    /// why not through a protocol). The callbacks hold the node strongly: the cycle (node → connection
    /// → callbacks → node) ends when the connection closes and the node forgets it, which crash and
    /// stop make sure of.
    func makeConnection(role: ConnectionRole) -> Connection {
        Connection(role: role, logger: logger, owner: ConnectionCallbacks(
            frame: { [self] (frame: inout Frame, connection: Connection) throws(ConnectionError) in
                try received(&frame, on: connection)
            },
            active: { [self] in connectionActive($0) },
            closed: { [self] in connectionClosed($0) },
            needsFlush: { [self] in needsFlush($0) }))
    }

    /// Dials every peer we have no connection to.
    func dialPeers() {
        for j in 0 ..< cluster.replicaCount where j != id.index { dial(j) }
    }

    /// Connects to replica `j`; on failure or loss, tries again after the reconnect interval while up.
    func dial(_ j: Int) {
        guard live, j < peerEndpoints.count, peersOut[j] == nil, !dialling[j] else { return }
        dialling[j] = true
        let life = incarnation
        Loopback.dial(peerEndpoints[j], on: loop) { [self] in makeConnection(role: .peerTo(NodeID(j))) }
            .assumeIsolated()
            .whenComplete { [self] result in
                guard incarnation == life else {
                    if case .success(let channel) = result { channel.close(promise: nil) }
                    return
                }
                dialling[j] = false
                if case .failure = result { redial(j) }
            }
    }

    /// Tries `j` again later, unless crashed or stopped.
    func redial(_ j: Int) {
        guard live else { return }
        let life = incarnation
        loop.assumeIsolated().scheduleTask(in: .nanoseconds(options.reconnectInterval.nanoseconds)) { [self] in
            if incarnation == life { dial(j) }
        }
    }

    // MARK: Connection callbacks

    func connectionActive(_ connection: Connection) {
        guard live else { connection.close(); return }
        switch connection.role {
        case .peerTo(let j):
            if let old = peersOut[j.index], old !== connection { old.close() }
            peersOut[j.index] = connection
            connection.write(channel: .peer, sender: id.rawValue) { _ in }  // hello: names us to the acceptor
        case .unidentified:
            accepted[ObjectIdentifier(connection)] = connection
        default:
            break
        }
    }

    func connectionClosed(_ connection: Connection) {
        accepted[ObjectIdentifier(connection)] = nil
        switch connection.role {
        case .peerTo(let j):
            if peersOut[j.index] === connection {
                peersOut[j.index] = nil
                redial(j.index)
            }
        case .clientDriver(let d):
            if drivers[Int(d)] === connection { drivers[Int(d)] = nil }
        default:
            break
        }
    }

    func received(_ frame: inout Frame, on connection: Connection) throws(ConnectionError) {
        guard live else {
            connection.close()
            return
        }
        switch connection.role {
        case .unidentified:
            switch frame.channel {
            case .peer:
                let s = frame.sender
                guard s >= 0, Int(s) < cluster.replicaCount, s != id.rawValue else {
                    throw ConnectionError("frame from unknown node id \(s) (replicas are 0...\(cluster.replicaCount - 1), this is \(id.rawValue))")
                }
                connection.role = .peerFrom(NodeID(Int(s)))
                if frame.body.remaining > 0 { try deliverPeer(&frame, from: NodeID(Int(s))) }
            case .clientRequest:
                let d = frame.sender
                guard d >= 0, Int(d) < driverCount else {
                    throw ConnectionError("client frame from unknown load generator id \(d) (known: 0...\(driverCount - 1))")
                }
                connection.role = .clientDriver(d)
                if let old = drivers[Int(d)], old !== connection { old.close() }
                drivers[Int(d)] = connection
                if frame.body.remaining > 0 { try deliverRequest(&frame) }
            case .clientReply:
                throw ConnectionError("a replica accepts no client replies")
            }
        case .peerFrom(let s):
            guard frame.channel == .peer, frame.sender == s.rawValue else {
                throw ConnectionError("\(frame.channel) frame claiming sender \(frame.sender) on the connection from replica \(s.rawValue)")
            }
            if frame.body.remaining > 0 { try deliverPeer(&frame, from: s) }
        case .clientDriver(let d):
            guard frame.channel == .clientRequest, frame.sender == d else {
                throw ConnectionError("\(frame.channel) frame claiming sender \(frame.sender) on the connection from load generator \(d)")
            }
            if frame.body.remaining > 0 { try deliverRequest(&frame) }
        case .peerTo(let j):
            throw ConnectionError("replica \(j.rawValue) wrote on a connection that only carries our messages to it")
        case .replica:
            throw ConnectionError("unexpected connection role")
        }
    }

    private func deliverPeer(_ frame: inout Frame, from sender: NodeID) throws(ConnectionError) {
        let message: R.Message
        do { message = try R.Message.decode(from: &frame.body) } catch { throw ConnectionError(error) }
        if frame.body.remaining != 0 { throw ConnectionError(WireError.trailingBytes(frame.body.remaining)) }
        if up { deliver(message, from: sender) }
    }

    private func deliverRequest(_ frame: inout Frame) throws(ConnectionError) {
        let request: ClientRequest
        do { request = try ClientRequest.decode(from: &frame.body) } catch { throw ConnectionError(error) }
        if frame.body.remaining != 0 { throw ConnectionError(WireError.trailingBytes(frame.body.remaining)) }
        if up { deliver(request) }
    }
}
