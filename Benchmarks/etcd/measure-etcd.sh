#!/usr/bin/env bash
# Measure a 3-member etcd cluster on loopback as an anchor for our Raft.
#
# usage: measure-etcd.sh TMPDIR [MODE...]
#   TMPDIR  folder for the members' data dirs and logs (a fresh
#           subfolder is made in it per run and removed afterwards)
#   MODE    fsync (etcd's default) and/or nofsync (--unsafe-no-fsync);
#           default: fsync nofsync. "ceiling" (Go client only) runs no etcd:
#           the load generator drives an in-process null gRPC KV server, to
#           show the client's own ceiling on this machine (a lower bound:
#           the null server shares the cores).
#
# Environment (defaults in brackets):
#   CLIENTS [64]  WARMUP [1] s  DURATION [4] s  KEYS [1000]  KEY_SIZE [8]
#   VAL_SIZE [16]  RUNS [1] runs per mode  CONNS [1] gRPC connections
#   BASE_PORT [23790]: clients on BASE_PORT+1..3, peers on BASE_PORT+11..13
#   CLIENT [go]: go (etcd's clientv3, built from Debian packages) or
#                python (grpc.aio client in a venv; slower, see README)
#   KEEP_DATA [0]: 1 keeps the data dirs and logs
#   WAIT_IDLE [60]: before each run, wait up to this many seconds for the
#                machine to be <= 10% busy (it is shared); then go on anyway
#
# stdout: one header line, then per run
#   mode,clients,ops_per_s,p50_us,p99_us,etcd_version
# stderr: progress and per-run diagnostics (client and etcd CPU per op,
#   WAL fsyncs per op, errors, revision check).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLIENTS="${CLIENTS:-64}"
WARMUP="${WARMUP:-1}"
DURATION="${DURATION:-4}"
KEYS="${KEYS:-1000}"
KEY_SIZE="${KEY_SIZE:-8}"
VAL_SIZE="${VAL_SIZE:-16}"
RUNS="${RUNS:-1}"
CONNS="${CONNS:-1}"
BASE_PORT="${BASE_PORT:-23790}"
CLIENT="${CLIENT:-go}"
KEEP_DATA="${KEEP_DATA:-0}"
WAIT_IDLE="${WAIT_IDLE:-60}"

log() { echo "[measure-etcd] $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; }
[[ $# -ge 1 && $1 != -h && $1 != --help ]] || { usage; exit 2; }
TMPBASE="$1"; shift
MODES=("$@")
[[ ${#MODES[@]} -gt 0 ]] || MODES=(fsync nofsync)
for m in "${MODES[@]}"; do
  [[ $m == fsync || $m == nofsync || $m == ceiling ]] || die "unknown mode '$m' (fsync|nofsync|ceiling)"
  [[ $m != ceiling || $CLIENT == go ]] || die "mode ceiling needs CLIENT=go"
done
[[ $CLIENT == go || $CLIENT == python ]] || die "CLIENT must be go or python"
mkdir -p "$TMPBASE"
TMPBASE="$(cd "$TMPBASE" && pwd)"

# ---------------------------------------------------------------- install
apt_ensure() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
    apt-get update >&2
    apt-get install -y --no-install-recommends "${missing[@]}" >&2
  fi
}

apt_ensure etcd-server etcd-client curl
ETCD_VERSION="$(etcd --version | awk '/^etcd Version:/{print $3}')"
[[ -n $ETCD_VERSION ]] || die "cannot read etcd version"

BUILD="$HERE/.build"
if [[ $CLIENT == go ]]; then
  # etcd's own Go client (clientv3) from Debian's source package, built in
  # GOPATH mode: no module proxy needed.
  apt_ensure golang-go golang-etcd-server-dev
  LOADGEN="$BUILD/etcd-put-load"
  if [[ ! -x $LOADGEN || $HERE/etcd-put-load.go -nt $LOADGEN ]]; then
    log "building $LOADGEN"
    mkdir -p "$BUILD"
    (cd "$HERE" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= \
       GOCACHE="$BUILD/gocache" nice go build -o "$LOADGEN" etcd-put-load.go) >&2
  fi
  run_load() { # endpoint, or "" for the null server (mode ceiling)
    local target=(--endpoint "$1")
    [[ -n $1 ]] || target=(--self-test)
    "$LOADGEN" "${target[@]}" --clients "$CLIENTS" --conns "$CONNS" \
      --warmup "${WARMUP}s" --duration "${DURATION}s" --keys "$KEYS" \
      --key-size "$KEY_SIZE" --val-size "$VAL_SIZE"
  }
else
  VENV="$HERE/.venv"
  if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -c 'import grpc, uvloop' 2>/dev/null; then
    log "creating venv $VENV"
    if ! python3 -m venv "$VENV" >&2 2>/dev/null; then
      apt_ensure python3-venv
      /usr/bin/python3 -m venv "$VENV" >&2
    fi
    "$VENV/bin/pip" install -q grpcio uvloop >&2
  fi
  run_load() {
    "$VENV/bin/python" "$HERE/etcd_put_load.py" --endpoint "$1" --clients "$CLIENTS" \
      --conns "$CONNS" --warmup "$WARMUP" --duration "$DURATION" --keys "$KEYS" \
      --key-size "$KEY_SIZE" --val-size "$VAL_SIZE"
  }
fi

# ---------------------------------------------------------------- cluster
PIDS=()
RUNDIR=""
stop_cluster() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do
    local alive=0
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  local rc=$?
  stop_cluster
  if [[ -n $RUNDIR && -d $RUNDIR && $KEEP_DATA != 1 ]]; then rm -rf "$RUNDIR"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

client_url() { echo "http://127.0.0.1:$((BASE_PORT + $1))"; }
peer_url()   { echo "http://127.0.0.1:$((BASE_PORT + 10 + $1))"; }
ENDPOINTS="127.0.0.1:$((BASE_PORT + 1)),127.0.0.1:$((BASE_PORT + 2)),127.0.0.1:$((BASE_PORT + 3))"

start_cluster() { # mode
  local extra=() i cluster=""
  [[ $1 == nofsync ]] && extra=(--unsafe-no-fsync)
  for i in 1 2 3; do cluster+="${cluster:+,}m$i=$(peer_url $i)"; done
  for i in 1 2 3; do
    etcd --name "m$i" --data-dir "$RUNDIR/m$i" \
      --listen-client-urls "$(client_url $i)" --advertise-client-urls "$(client_url $i)" \
      --listen-peer-urls "$(peer_url $i)" --initial-advertise-peer-urls "$(peer_url $i)" \
      --initial-cluster "$cluster" --initial-cluster-state new \
      --initial-cluster-token "bench-$$" --logger zap --log-level warn \
      "${extra[@]}" >"$RUNDIR/m$i.log" 2>&1 &
    PIDS+=($!)
  done
  local t
  for t in $(seq 100); do
    if etcdctl --endpoints "$ENDPOINTS" --command-timeout 1s endpoint health >/dev/null 2>&1; then
      return 0
    fi
    for p in "${PIDS[@]}"; do
      kill -0 "$p" 2>/dev/null || { tail -n 20 "$RUNDIR"/m*.log >&2; die "an etcd member exited"; }
    done
    sleep 0.2
  done
  tail -n 20 "$RUNDIR"/m*.log >&2
  die "cluster not healthy after 20 s"
}

leader_endpoint() {
  # simple output: endpoint, id, version, db size, is leader, ...
  etcdctl --endpoints "$ENDPOINTS" endpoint status 2>/dev/null \
    | awk -F', ' '$5 == "true" {print $1}'
}

cpu_ticks() { # sum of utime+stime of the members, in clock ticks
  local p s=0
  for p in "${PIDS[@]}"; do
    s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$s"
}

wal_fsyncs() { # WAL fsync count summed over members
  local i s=0 n
  for i in 1 2 3; do
    n="$(curl -s "$(client_url $i)/metrics" | awk '/^etcd_disk_wal_fsync_duration_seconds_count/{print $2}')"
    s=$((s + ${n:-0}))
  done
  echo "$s"
}

json_num() { # key json -> number
  sed -n "s/.*\"$1\": \{0,1\}\([-0-9.eE+]*\).*/\1/p" <<<"$2"
}

# ---------------------------------------------------------------- run
cpu_busy_pct() { # share of all cores busy over the next second
  local a b
  a="$(head -1 /proc/stat)"; sleep 1; b="$(head -1 /proc/stat)"
  awk -v a="$a" -v b="$b" 'BEGIN{
    split(a, x); split(b, y); t = 0
    for (i = 2; i <= 9; i++) t += y[i] - x[i]   # user..steal (guest is inside user)
    idle = (y[5] - x[5]) + (y[6] - x[6])
    printf "%.0f", (t > 0 ? 100 * (t - idle) / t : 0) }'
}
stat_delta() { # two /proc/stat cpu lines -> "busy_cores steal_cores iowait_cores" per second of wall
  awk -v a="$1" -v b="$2" -v secs="$3" -v hz="$HZ" 'BEGIN{
    split(a, x); split(b, y); t = 0
    for (i = 2; i <= 9; i++) t += y[i] - x[i]
    idle = (y[5] - x[5]) + (y[6] - x[6])
    printf "%.2f %.2f %.2f", (t - idle) / hz / secs, (y[9] - x[9]) / hz / secs, (y[6] - x[6]) / hz / secs }'
}
HZ="$(getconf CLK_TCK)"
wait_idle() { # wait up to WAIT_IDLE s for the machine to be <= 10% busy
  local busy waited=0
  while :; do
    busy="$(cpu_busy_pct)"
    (( busy <= 10 )) && return 0
    if (( waited >= WAIT_IDLE )); then
      log "warning: machine still ${busy}% busy after ${waited} s: going on; figures will be low and noisy"
      return 0
    fi
    (( waited == 0 )) && log "machine ${busy}% busy (another job?): waiting up to ${WAIT_IDLE} s for it to calm down"
    waited=$((waited + 1))
  done
}
log "etcd $ETCD_VERSION, client=$CLIENT, $(nproc) cores"
log "data under $TMPBASE: $(df -h --output=source,fstype,avail "$TMPBASE" 2>/dev/null | tail -1 | tr -s ' ')"

echo "mode,clients,ops_per_s,p50_us,p99_us,etcd_version"
for mode in "${MODES[@]}"; do
  for run in $(seq "$RUNS"); do
    wait_idle
    if [[ $mode == ceiling ]]; then
      out="$(run_load "")" || { log "load generator failed: $out"; exit 1; }
      log "run $run/$RUNS mode=ceiling (null server in the client's process): $out"
      printf '%s,%s,%.0f,%.0f,%.0f,%s\n' "$mode" "$CLIENTS" "$(json_num ops_per_s "$out")" \
        "$(json_num p50_us "$out")" "$(json_num p99_us "$out")" "none"
      continue
    fi
    RUNDIR="$(mktemp -d "$TMPBASE/etcd-bench.$mode.XXXXXX")"
    start_cluster "$mode"
    leader="$(leader_endpoint)"
    [[ -n $leader ]] || die "no leader found"
    f0="$(wal_fsyncs)"; c0="$(cpu_ticks)"; s0="$(head -1 /proc/stat)"; w0="$(date +%s.%N)"
    out="$(run_load "$leader")" || { log "load generator failed: $out"; exit 1; }
    s1="$(head -1 /proc/stat)"; w1="$(date +%s.%N)"; c1="$(cpu_ticks)"; f1="$(wal_fsyncs)"
    stop_cluster
    [[ $KEEP_DATA == 1 ]] || rm -rf "$RUNDIR"
    RUNDIR=""

    ops="$(json_num ops_per_s "$out")"
    p50="$(json_num p50_us "$out")"
    p99="$(json_num p99_us "$out")"
    total="$(json_num puts_total "$out")"
    rev="$(json_num final_revision "$out")"
    ccpu="$(json_num client_cpu_us_per_op "$out")"
    errors="$(json_num errors "$out")"
    # etcd CPU and fsyncs are counted over warm-up + window (all puts).
    ecpu="$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n="$total" 'BEGIN{printf "%.0f", t / hz * 1e6 / n}')"
    # fresh cluster: revision 1, +1 per put (CONNS connection warm-up puts,
    # the load, one final put that reads the revision back)
    if [[ $rev == $((total + CONNS + 2)) ]]; then revchk=ok; else revchk="MISMATCH(expected $((total + CONNS + 2)))"; fi
    fpo="$(awk -v f=$((f1 - f0)) -v n="$total" 'BEGIN{printf "%.3f", f / n}')"
    wall="$(awk -v a="$w0" -v b="$w1" 'BEGIN{print b - a}')"
    read -r m_busy m_steal m_iowait <<<"$(stat_delta "$s0" "$s1" "$wall")"
    e_cores="$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v w="$wall" 'BEGIN{printf "%.2f", t / hz / w}')"
    c_cores="$(awk -v c="$(json_num client_cpu_s "$out")" -v w="$wall" 'BEGIN{printf "%.2f", c / w}')"
    log "run $run/$RUNS mode=$mode leader=$leader puts=$total errors=$errors revision_check=$revchk" \
        "client_cpu_us/op=$(printf %.0f "$ccpu") etcd_cpu_us/op(3 members)=$ecpu wal_fsyncs/op(3 members)=$fpo"
    other="$(awk -v m="$m_busy" -v e="$e_cores" -v c="$c_cores" 'BEGIN{o = m - e - c; printf "%.2f", (o < 0 ? 0 : o)}')"
    log "  cores used during the load (wall incl. client start-up): machine=$m_busy etcd=$e_cores client=$c_cores" \
        "other=$other steal=$m_steal iowait=$m_iowait (of $(nproc))"
    if awk -v o="$other" 'BEGIN{exit !(o > 0.15)}'; then
      log "  warning: other processes took $other cores during this run: its figures are low; rerun when the machine is idle"
    fi
    printf '%s,%s,%.0f,%.0f,%.0f,%s\n' "$mode" "$CLIENTS" "$ops" "$p50" "$p99" "$ETCD_VERSION"
  done
done
