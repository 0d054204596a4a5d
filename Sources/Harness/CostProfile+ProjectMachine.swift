import Simulation

extension CostProfile {
    /// The project machine's profile: `results/profiles/project-machine.yaml`, which
    /// `consensus-bench calibrate --save` wrote there (a test keeps the two identical). The CLI's
    /// `run`, `sweep` and `check` charge it unless given `--profile FILE` or `--cpu-per-message`.
    public static let projectMachine: CostProfile = {
        do {
            return try CostProfile.load(yaml: projectMachineYAML, path: "the built-in profile")
        } catch {
            fatalError("\(error)")  // a test parses it: only an edit that skipped the tests reaches here
        }
    }()

    /// The file's text, byte for byte.
    public static let projectMachineYAML = """
# consensus-bench cost profile: `consensus-bench calibrate --save FILE` writes it, `--profile FILE` reads it.
# All figures in nanoseconds.
build: release c4d0d60c6faf5fd8185050669adba76ff44c9982 (dirty)
crypto:
  digest: 215
  mac: 99
  signature: 13747
  signature_check: 64655
disk:
  sync: 125566
  write: 891
format: consensus-bench-profile/1
machine: x86_64, 2 cores, Linux 6.18.44-fc-v1272
measured: '2026-12-06T07:10:45Z'
network:
  jitter: 14466
  one_way: 27010
  per_frame: 760
  round_trip_p50: 60760
  round_trip_p99: 99497
  same_loop_jitter: 3060
  same_loop_one_way: 8031
protocols:
  multipaxos:
    handle:
      Accept: 252
      Accepted: 136
      Commit: 174
      request: 225
    measured_in: 'n=3, 16 closed-loop clients: the leader''s and an acceptor''s steady
      state (piggybacked and explicit commits)'
    send:
      Accept: 102
      Accepted: 48
      reply: 50
  pbft:
    handle:
      Checkpoint: 11789
      Commit: 406
      PrePrepare: 801
      Prepare: 356
      request: 576
    measured_in: 'n=4, --auth mac, 16 closed-loop clients: the primary''s and a backup''s
      steady state, crypto excluded'
    send:
      Checkpoint: 141
      Commit: 175
      PrePrepare: 244
      Prepare: 172
      reply: 51
  raft:
    handle:
      AppendEntries: 271
      AppendEntriesResponse: 170
      request: 229
    measured_in: 'n=3, 16 closed-loop clients: the leader''s and a follower''s steady
      state'
    send:
      AppendEntries: 117
      AppendEntriesResponse: 37
      reply: 50

"""
}
