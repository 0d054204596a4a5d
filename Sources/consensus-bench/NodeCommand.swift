import ArgumentParser
import Harness

/// `consensus-bench node --id I --cluster FILE`: one replica of the cluster a JSON cluster file describes,
/// over TCP, until SIGTERM or Ctrl-C. `--shell process` starts one per replica; it also runs by hand
/// (a cluster spread over terminals or hosts: give each replica's reachable address in the file and
/// `--bind 0.0.0.0`).
struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run one replica of a cluster file over TCP.",
        discussion: """
            The cluster file (JSON) names the protocol, its settings and every replica's address:
              {"protocol": "raft", "faults": 1, "seed": 1, "batch": 1,
               "replicas": [{"id": 0, "host": "127.0.0.1", "port": 7100},
                            {"id": 1, "host": "127.0.0.1", "port": 7101},
                            {"id": 2, "host": "127.0.0.1", "port": 7102}]}
            """)

    @Option(help: "This replica's id in the cluster file.")
    var id: Int
    @Option(help: "The cluster file (JSON).")
    var cluster: String
    @Option(help: "Address to listen on.")
    var bind: String = "127.0.0.1"
    @Flag(name: .customLong("exit-with-parent"), help: "Exit when stdin closes (set by --shell process, so no node outlives its parent).")
    var exitWithParent = false
    @Option(help: ArgumentHelp("The replica's write-ahead journal: every persist is appended to it (synced as the cluster file's sync says), and when it exists at start the replica recovers from it.",
                               valueName: "file"))
    var state: String?
    @Option(help: ArgumentHelp("Which life of this replica the process is (set by --shell process when it restarts a node; names its report files).",
                               visibility: .hidden))
    var incarnation: Int = 0

    func run() throws {
        try serveNode(try NodeLaunch.load(id: id, clusterFile: cluster, bindHost: bind, exitWithParent: exitWithParent, journal: state,
                                          incarnation: incarnation))
    }
}
