#!/bin/bash
# Links Benchmarks/LoopbackRaw/transport_probe.swift against the objects of a release build of the package.
set -e
cd "$(dirname "$0")/../.."   # the repository root
S=${SCRATCH:-.build-release}
R=$S/release
MM=()
for m in $R/C*.build/module.modulemap $S/checkouts/swift-atomics/Sources/_AtomicsShims/include/module.modulemap $S/checkouts/swift-nio/Sources/CNIOWindows/include/module.modulemap; do
    MM+=(-Xcc -fmodule-map-file=$m)
done
OBJS=()
for t in Loopback ConsensusCore Workload NIOCore NIOPosix NIOConcurrencyHelpers _NIODataStructures _NIOBase64 Logging Atomics _AtomicsShims DequeModule InternalCollectionsUtilities CNIOLinux CNIOPosix CNIOAtomics CNIODarwin CNIOWindows CNIOWASI CNIOFreeBSD CNIOOpenBSD; do
    while IFS= read -r -d '' o; do OBJS+=("$o"); done < <(find $R/$t.build -name "*.o" -print0)
done
swiftc -O -I $R/Modules "${MM[@]}" -o ${OUT:-/tmp/transport_probe} Benchmarks/LoopbackRaw/transport_probe.swift "${OBJS[@]}"
