"""Medians, min/max and per-round paired changes of a compare-jemalloc.sh TSV."""
import statistics as st
import sys
from math import comb

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
rounds = sorted({int(r[2]) for r in rows})


def sign_test(k, n):
    """Two-sided sign test: how likely k or more of n wins (or losses) are by chance."""
    tail = sum(comb(n, i) for i in range(max(k, n - k), n + 1)) / 2**n
    return min(1.0, 2 * tail)


for w in sorted({r[0] for r in rows}):
    for col, name, scale in [(3, "wall s", 1), (4, "user s", 1), (6, "peak RSS MiB", 1 / 1024), (7, "messages/s", 1)]:
        parts = []
        for a in ["glibc", "jemalloc"]:
            xs = sorted(float(r[col]) * scale for r in rows if r[0] == w and r[1] == a and r[col] != "-")
            if xs:
                parts.append(f"{a}: median {st.median(xs):.4g} [{xs[0]:.4g}-{xs[-1]:.4g}] n={len(xs)}")
        if parts:
            print(f"{w:7} {name:13}", " | ".join(parts))
    for col, name in [(3, "wall"), (4, "user")]:
        d = []
        for r in rounds:
            g = [float(x[col]) for x in rows if x[0] == w and x[1] == "glibc" and int(x[2]) == r]
            j = [float(x[col]) for x in rows if x[0] == w and x[1] == "jemalloc" and int(x[2]) == r]
            if g and j:
                d.append((j[0] - g[0]) / g[0] * 100)
        wins = sum(x < 0 for x in d)
        print(f"{w:7} paired {name}: jemalloc vs glibc median {st.median(d):+.1f}% [{min(d):+.1f}%..{max(d):+.1f}%], "
              f"jemalloc faster in {wins}/{len(d)} rounds (sign test p={sign_test(wins, len(d)):.2f})")
