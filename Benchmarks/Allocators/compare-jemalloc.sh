#!/bin/bash
# glibc malloc versus jemalloc (LD_PRELOAD) on the same consensus-bench runs, alternating allocators
# and which one goes first. Needs: apt-get install -y libjemalloc-dev, python3.
#   ROUNDS=10 Benchmarks/Allocators/compare-jemalloc.sh
# runs the package's own release build (`swift build -c release` first); B=/path/to/consensus-bench
# runs another binary. Writes one TSV line per run to $OUT (workload allocator round wall_s user_s sys_s
# maxrss_kb msgs_per_s), then prints medians, spreads and paired changes (summarize.py).
set -u
if [ -z "${B:-}" ]; then
  root=$(cd "$(dirname "$0")/../.." && pwd)
  B="$(cd "$root" && swift build -c release --show-bin-path)/consensus-bench" || exit 1
fi
if [ ! -x "$B" ]; then
  echo "no consensus-bench at $B: run 'swift build -c release' in the repository root, or set B" >&2
  exit 1
fi
JE=${JE:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}
ROUNDS=${ROUNDS:-10}
OUT=${OUT:-/tmp/jemalloc-comparison.tsv}
WORK=$(mktemp -d)
: > "$OUT"
one() { # workload allocator round command...
  local w=$1 a=$2 r=$3; shift 3
  local pre=""; [ "$a" = jemalloc ] && pre=$JE
  rm -rf "$WORK/out"
  LD_PRELOAD=$pre /usr/bin/time -f "TIME %e %U %S %M" "$@" --out "$WORK/out" > "$WORK/stdout" 2> "$WORK/stderr" \
    || { echo "failed: $*" >&2; cat "$WORK/stderr" >&2; exit 1; }
  local t; t=$(grep '^TIME' "$WORK/stderr")
  local rate; rate=$(grep -o '([0-9]* messages/s)' "$WORK/stdout" | tr -dc 0-9)
  echo -e "$w\t$a\t$r\t${t#TIME }\t${rate:--}" | tr ' ' '\t' >> "$OUT"
}
for r in $(seq 1 "$ROUNDS"); do
  for a in glibc jemalloc; do
    one run "$a" "$r" "$B" run --nodes 5 --clients 64 --ops 100000 --no-check
  done
  for a in jemalloc glibc; do
    one run-mp "$a" "$r" "$B" run --protocol multipaxos --nodes 5 --clients 64 --ops 100000 --no-check
  done
  for a in glibc jemalloc; do
    [ $((r % 2)) = 0 ] && a=$([ "$a" = glibc ] && echo jemalloc || echo glibc)
    one sweep "$a" "$r" "$B" sweep --protocols raft,multipaxos --faults 1-5 --ops 2000 --quiet --jobs 1
  done
done
rm -rf "$WORK"
python3 "$(dirname "$0")/summarize.py" "$OUT"
