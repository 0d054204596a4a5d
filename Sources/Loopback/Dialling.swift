import NIOCore
import NIOPosix

extension Loopback {
    /// Dials `endpoint` from `loop` as every dialler of this shell does (TCP_NODELAY, a 500 ms connect
    /// timeout); `connection` makes the channel's handler, on `loop`.
    static func dial(_ endpoint: Endpoint, on loop: EventLoop,
                     connection: @escaping () -> FramedConnection) -> EventLoopFuture<Channel> {
        let make = NIOLoopBound(connection, eventLoop: loop)
        return ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.milliseconds(500))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(make.value())
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
    }
}

/// Connections with bytes pending, written and flushed once per event-loop tick: the first send of a
/// tick schedules one task that runs after every read the tick brought. (A replica node adds its
/// persist-before-flush step and keeps a batch of its own; see `ReplicaNode.flushAll`.)
final class FlushBatch {
    private let loop: EventLoop
    private var pending: [FramedConnection] = []
    private var scheduled = false

    init(loop: EventLoop) { self.loop = loop }

    func needsFlush(_ connection: FramedConnection) {
        pending.append(connection)
        if !scheduled {
            scheduled = true
            loop.assumeIsolated().execute { [self] in
                scheduled = false
                for c in pending { c.flush() }
                pending.removeAll(keepingCapacity: true)
            }
        }
    }

    func removeAll() { pending.removeAll() }
}
