// swift-tools-version: 6.1
// consensus-bench: Multi-Paxos, Raft and PBFT under one deterministic simulator, measured.
//
// Layering (arrows point down; a protocol module imports nothing but ConsensusCore,
// swift-crypto and swift-collections):
//
//   consensus-bench (CLI)
//   Report                      CSV, SVG plots, complexity fit
//   Harness                     experiment spec -> a shell's run -> one RunResult
//   Simulation   Loopback       the shells: virtual time and links · real TCP (in-process or node processes)
//   ShellKit                    what every shell does alike: client driver, faults, tampering, counting, window
//   Checker      Workload       safety monitor, linearizability · pure client sessions, key choice, history records
//   Raft  MultiPaxos  PBFT  HotStuff   pure replicas
//   ConsensusCore               ids, time, replica contract, outbox, KV machine, wire codec, SHA-256 and Ed25519
//
// Beside them, for tests and Benchmarks/ only: LockstepTesting (a cluster stepped in lock step and the
// scenario scripts that drive it; depends on ConsensusCore alone).
import PackageDescription

/// The simulator is generic over the replica type; cross-module optimisation lets the harness
/// specialise it for each protocol (no witness-table calls or boxed messages on the hot path).
/// Exclusivity checks are a debug-time aid here: every test runs them; release runs do not pay for them.
let optimized: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "consensus-bench",
    platforms: [.macOS(.v15)],  // UInt128 (the event queue's keys)
    products: [
        .executable(name: "consensus-bench", targets: ["consensus-bench"]),
        .library(name: "ConsensusCore", targets: ["ConsensusCore"]),
        .library(name: "Harness", targets: ["Harness"]),
        // For Benchmarks/ (a separate package): the replicas, the simulator and the checker on their own.
        .library(name: "Raft", targets: ["Raft"]),
        .library(name: "MultiPaxos", targets: ["MultiPaxos"]),
        .library(name: "PBFT", targets: ["PBFT"]),
        .library(name: "HotStuff", targets: ["HotStuff"]),
        .library(name: "Simulation", targets: ["Simulation"]),
        .library(name: "Checker", targets: ["Checker"]),
        .library(name: "ShellKit", targets: ["ShellKit"]),
        // Test support, for Benchmarks/ too: the lock-step cluster its replica-step suites record from.
        .library(name: "LockstepTesting", targets: ["LockstepTesting"]),
        // For Benchmarks/ too: the steady states its replica-step suites and calibrate replay.
        .library(name: "Calibration", targets: ["Calibration"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(name: "ConsensusCore", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: optimized),
        .target(name: "Raft", dependencies: ["ConsensusCore"], swiftSettings: optimized),
        .target(name: "MultiPaxos", dependencies: ["ConsensusCore"], swiftSettings: optimized),
        .target(name: "PBFT", dependencies: [
            "ConsensusCore",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: optimized),
        .target(name: "HotStuff", dependencies: [
            "ConsensusCore",
            .product(name: "DequeModule", package: "swift-collections"),
        ], swiftSettings: optimized),
        .target(name: "Workload", dependencies: ["ConsensusCore"], swiftSettings: optimized),
        .target(name: "ShellKit", dependencies: ["ConsensusCore", "Workload", "Checker"], swiftSettings: optimized),
        .target(name: "Simulation", dependencies: [
            "ConsensusCore", "Workload", "Checker", "ShellKit",
            .product(name: "DequeModule", package: "swift-collections"),
        ], swiftSettings: optimized),
        .target(name: "Checker", dependencies: ["ConsensusCore"], swiftSettings: optimized),
        .target(name: "Loopback", dependencies: [
            "ConsensusCore", "Workload", "Checker", "ShellKit",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: optimized),
        .target(name: "Harness", dependencies: [
            "ConsensusCore", "Raft", "MultiPaxos", "PBFT", "HotStuff", "Workload", "Checker", "ShellKit", "Simulation", "Loopback",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: optimized),
        .target(name: "Report"),
        .target(name: "LockstepTesting", dependencies: ["ConsensusCore"], swiftSettings: optimized),
        // What calibrate measures: replica steps replayed from recorded steady states, the loopback transport.
        .target(name: "Calibration", dependencies: [
            "ConsensusCore", "LockstepTesting", "Raft", "MultiPaxos", "PBFT", "Loopback", "Harness", "Simulation",
        ], swiftSettings: optimized),
        .executableTarget(name: "consensus-bench", dependencies: [
            "ConsensusCore", "Workload", "Harness", "Report", "Checker", "PBFT", "Raft", "Loopback", "ShellKit", "Simulation",
            "Calibration",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ], plugins: ["BuildStampPlugin"]),
        // Writes BuildStamp.swift at build time: the git commit and dirty flag the CLI was built from.
        .plugin(name: "BuildStampPlugin", capability: .buildTool()),

        .testTarget(name: "ConsensusCoreTests", dependencies: ["ConsensusCore"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "ShellKit", "Checker", "Workload", "ConsensusCore"]),
        .testTarget(name: "RaftTests", dependencies: ["Raft", "Simulation", "ShellKit", "Checker", "Harness", "ConsensusCore", "LockstepTesting"],
                    exclude: ["testdata"]),
        .testTarget(name: "MultiPaxosTests", dependencies: ["MultiPaxos", "Simulation", "ShellKit", "Checker", "Harness", "ConsensusCore", "LockstepTesting"],
                    exclude: ["testdata"]),
        .testTarget(name: "PBFTTests", dependencies: [
            "PBFT", "Simulation", "ShellKit", "Checker", "Harness", "ConsensusCore", "LockstepTesting",
            .product(name: "Crypto", package: "swift-crypto"),
        ], exclude: ["testdata"]),
        .testTarget(name: "HotStuffTests", dependencies: [
            "HotStuff", "Simulation", "ShellKit", "Checker", "Harness", "ConsensusCore",
        ]),
        .testTarget(name: "CheckerTests", dependencies: ["Checker", "ConsensusCore"]),
        .testTarget(name: "LoopbackTests", dependencies: [
            "Loopback", "Harness", "ConsensusCore", "Raft", "Workload", "ShellKit", "Checker",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ReportTests", dependencies: ["Report"]),
        .testTarget(name: "HarnessTests", dependencies: ["Harness", "ShellKit", "ConsensusCore", "Simulation", "Report"]),
        .testTarget(name: "NegativeControlTests", dependencies: ["Harness", "Simulation", "ShellKit", "Checker", "Raft", "MultiPaxos", "PBFT", "ConsensusCore"]),
        .testTarget(name: "CLITests", dependencies: ["Report", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "LockstepTestingTests", dependencies: ["LockstepTesting", "ConsensusCore"]),
    ]
)
