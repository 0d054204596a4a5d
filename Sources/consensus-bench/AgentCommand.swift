import ArgumentParser
import Foundation
import Loopback
import NIOCore

/// `consensus-bench agent …`: what a run over `--hosts` asks of consensus-bench on each host, over
/// ssh. Hidden: users never call it.
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "The host side of --hosts runs (used over ssh).",
        shouldDisplay: false,
        subcommands: [Identity.self, Clock.self, Ports.self, Cat.self])

    /// `agent identity`: `consensus-bench <sha256 of this executable> cores <n>`.
    struct Identity: ParsableCommand {
        func run() throws {
            print(try HostCheck.identityLine(executable: try localExecutable()))
        }
    }

    /// `agent clock`: answers every line on stdin with this host's monotonic clock (nanoseconds).
    struct Clock: ParsableCommand {
        func run() throws {
            while readLine() != nil {
                FileHandle.standardOutput.write(Data("\(NIODeadline.now().uptimeNanoseconds)\n".utf8))
            }
        }
    }

    /// `agent ports --count K --host ADDRESS`: K free TCP ports on ADDRESS, on one line.
    struct Ports: ParsableCommand {
        @Option var count: Int
        @Option var host: String
        func run() throws {
            guard (1 ... 4096).contains(count) else { throw ValidationError("--count must be 1...4096") }
            print(try Loopback.freePorts(count: count, host: host).map(String.init).joined(separator: " "))
        }
    }

    /// `agent cat FILE…`: each file's length on a line (-1 if unreadable), then its bytes.
    struct Cat: ParsableCommand {
        @Argument var files: [String] = []
        func run() throws {
            FileHandle.standardOutput.write(AgentCat.encode(files))
        }
    }
}
