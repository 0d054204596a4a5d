// The Loopback shell's own transport with no protocol behind it (Loopback.TransportProbe), for
// comparison with loopback_raw.c's `echo` and `pingpong` modes. Not part of any package build: it links
// against the objects of a release build of the main package (see README.md for the command).
import Loopback

let arguments = CommandLine.arguments
let roundTrips = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
let inFlight = arguments.count > 2 ? Int(arguments[2]) ?? 64 : 64
let threads = arguments.count > 3 ? Int(arguments[3]) ?? 2 : 2
let figures = try Loopback.TransportProbe.echo(roundTrips: roundTrips, inFlight: inFlight, threads: threads)
print("loopback transport echo, \(inFlight) in flight, \(threads) event-loop threads: \(figures)")
