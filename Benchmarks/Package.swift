// swift-tools-version: 6.1
// consensus-bench's performance suites (ordo-one/package-benchmark), kept in their own package so the
// benchmark dependency and its malloc interposer never reach the main build.
//
//   cd Benchmarks && swift package benchmark --no-progress
//
// Targets live in Benchmarks/<Name>/ (the plugin runs executables whose folder is named Benchmarks).
// See README.md for baselines, the malloc gate (Thresholds/) and what the committed thresholds say.
import PackageDescription

let benchmarkDependencies: [Target.Dependency] = [
    .product(name: "Benchmark", package: "benchmark"),
    .product(name: "ConsensusCore", package: "consensus-bench"),
    .product(name: "Harness", package: "consensus-bench"),
]

/// A replica-step suite: the protocol's module, the lock-step driver, and the benchmark plugin.
func stepSuite(_ name: String, protocolModule: String) -> Target {
    .executableTarget(
        name: name,
        dependencies: [
            .product(name: "Benchmark", package: "benchmark"),
            .product(name: "ConsensusCore", package: "consensus-bench"),
            .product(name: protocolModule, package: "consensus-bench"),
            .product(name: "LockstepTesting", package: "consensus-bench"),
            .product(name: "Calibration", package: "consensus-bench"),
            "StepDriver",
        ],
        path: name,
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "consensus-bench-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        // Named, so that a checkout in a folder of another name still resolves the parent.
        .package(name: "consensus-bench", path: ".."),
        // MallocInterposer only: the default traits pull ordo-one/swift-runtime-interposer, which is not mirrored here.
        .package(url: "https://github.com/ordo-one/benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The simulator's event loop: one fixed small experiment per protocol, end to end.
        .executableTarget(
            name: "SimulatorLoop",
            dependencies: benchmarkDependencies,
            path: "SimulatorLoop",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The wire codec: client requests, replies and commands, framed as the TCP shell sends them, and
        // each protocol's steady-state messages.
        .executableTarget(
            name: "WireCodec",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ConsensusCore", package: "consensus-bench"),
                .product(name: "Raft", package: "consensus-bench"),
                .product(name: "MultiPaxos", package: "consensus-bench"),
                .product(name: "PBFT", package: "consensus-bench"),
            ],
            path: "WireCodec",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),

        // Not a suite: the benchmark that replays the inputs one replica handled in the main package's
        // lock-step cluster (LockstepTesting) into a twin of that replica (shared by the three step suites).
        .target(
            name: "StepDriver",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ConsensusCore", package: "consensus-bench"),
                .product(name: "LockstepTesting", package: "consensus-bench"),
            ],
            path: "StepDriver"
        ),
        // One replica's step per protocol: a steady-state stream of protocol messages through the
        // `Replica` contract, no simulator.
        stepSuite("RaftStep", protocolModule: "Raft"),
        stepSuite("MultiPaxosStep", protocolModule: "MultiPaxos"),
        stepSuite("PBFTStep", protocolModule: "PBFT"),

        // The linearizability checker on fixed histories from seeded simulated runs.
        .executableTarget(
            name: "LinearizabilityChecker",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Harness", package: "consensus-bench"),
                .product(name: "Checker", package: "consensus-bench"),
            ],
            path: "LinearizabilityChecker",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
