#!/usr/bin/env python3
"""Closed-loop put load against one etcd member over etcd's native gRPC API.

N concurrent clients (asyncio tasks, optionally spread over several
processes) each loop: pick one of --keys keys at random, send
etcdserverpb.KV/Put, wait for the reply, repeat. Requests are encoded
by hand (PutRequest is two bytes fields), so no protobuf stubs are
needed and the per-request Python work stays small.

Throughput is the number of replies received inside the measurement
window (after the warm-up) divided by the window's length; latency
percentiles are over requests both issued and answered inside it.

Prints one JSON object on stdout.

--self-test starts an in-process dummy gRPC server that answers Put
with an empty reply and drives it, to measure this client's own ceiling
on this machine (the dummy server shares the CPU, so it is a lower bound).
"""
import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import time

import grpc

PUT_METHOD = "/etcdserverpb.KV/Put"


def encode_put(key: bytes, value: bytes) -> bytes:
    # PutRequest{ key = 1 (bytes), value = 2 (bytes) }; both < 128 bytes.
    return b"\x0a" + bytes([len(key)]) + key + b"\x12" + bytes([len(value)]) + value


def _varint(buf: bytes, i: int):
    shift = 0
    out = 0
    while True:
        b = buf[i]
        i += 1
        out |= (b & 0x7F) << shift
        if b < 0x80:
            return out, i
        shift += 7


def revision_of(put_response: bytes) -> int:
    """PutResponse{header=1{cluster_id=1,member_id=2,revision=3,raft_term=4}}."""
    i = 0
    while i < len(put_response):
        tag, i = _varint(put_response, i)
        field, wt = tag >> 3, tag & 7
        if wt == 2:
            ln, i = _varint(put_response, i)
            if field == 1:
                h = put_response[i:i + ln]
                j = 0
                while j < len(h):
                    t, j = _varint(h, j)
                    v, j = _varint(h, j)
                    if t >> 3 == 3:
                        return v
                return -1
            i += ln
        elif wt == 0:
            _, i = _varint(put_response, i)
        else:
            return -1
    return -1


async def _run_clients(endpoint, nclients, conns, warmup, duration, keys, key_size,
                       val_size, seed, t_start):
    opts = [("grpc.use_local_subchannel_pool", 1)]
    channels = [grpc.aio.insecure_channel(endpoint, options=opts) for _ in range(conns)]
    calls = [ch.unary_unary(PUT_METHOD) for ch in channels]  # bytes in, bytes out
    value = (b"v" * val_size)[:val_size]
    fmt = "k%0" + str(key_size - 1) + "d"
    reqs = [encode_put((fmt % k).encode(), value) for k in range(keys)]
    for c in calls:  # connect before the clock starts
        await c(reqs[0], timeout=10)

    # Align all processes on a common start instant (wall clock).
    delay = t_start - time.time()
    if delay > 0:
        await asyncio.sleep(delay)
    pc0 = time.perf_counter()
    t_meas = pc0 + warmup
    t_end = t_meas + duration
    lat_us = []
    errors = [0]
    total = [0]
    done_in_window = [0]

    async def worker(idx):
        rnd = random.Random(seed * 1000 + idx)
        call = calls[idx % len(calls)]
        pc = time.perf_counter
        choice = rnd.randrange
        while True:
            t0 = pc()
            if t0 >= t_end:
                return
            try:
                await call(reqs[choice(keys)], timeout=10)
            except grpc.aio.AioRpcError:
                errors[0] += 1
                continue
            t1 = pc()
            total[0] += 1
            if t_meas <= t1 <= t_end:
                done_in_window[0] += 1
                if t0 >= t_meas:
                    lat_us.append((t1 - t0) * 1e6)

    await asyncio.gather(*(worker(i) for i in range(nclients)))
    last = await calls[0](reqs[0], timeout=10)
    for ch in channels:
        await ch.close()
    return lat_us, errors[0], total[0], revision_of(last), done_in_window[0]


def _proc_main(args, nclients, seed, t_start, q):
    try:
        import uvloop  # optional
        uvloop.install()
    except Exception:
        pass
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    lat, err, tot, rev, win = asyncio.run(_run_clients(
        args.endpoint, nclients, args.conns, args.warmup, args.duration, args.keys,
        args.key_size, args.val_size, seed, t_start))
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    q.put((lat, err, tot, rev, cpu, win))


def _dummy_server(port, ready):
    async def serve():
        def put(req, ctx):
            return b""
        handler = grpc.method_handlers_generic_handler(
            "etcdserverpb.KV", {"Put": grpc.unary_unary_rpc_method_handler(put)})
        server = grpc.aio.server()
        server.add_generic_rpc_handlers((handler,))
        server.add_insecure_port("127.0.0.1:%d" % port)
        await server.start()
        ready.set()
        await server.wait_for_termination()
    asyncio.run(serve())


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint", default="127.0.0.1:2379", help="host:port (gRPC)")
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--procs", type=int, default=1, help="client processes")
    ap.add_argument("--conns", type=int, default=1, help="gRPC connections per process")
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--duration", type=float, default=4.0)
    ap.add_argument("--keys", type=int, default=1000)
    ap.add_argument("--key-size", type=int, default=8)
    ap.add_argument("--val-size", type=int, default=16)
    ap.add_argument("--self-test", action="store_true",
                    help="drive an in-process dummy gRPC server instead of etcd")
    args = ap.parse_args()

    ctx = mp.get_context("fork")
    server = None
    if args.self_test:
        port = 20000 + os.getpid() % 20000
        ready = ctx.Event()
        server = ctx.Process(target=_dummy_server, args=(port, ready), daemon=True)
        server.start()
        ready.wait(10)
        args.endpoint = "127.0.0.1:%d" % port

    q = ctx.Queue()
    t_start = time.time() + 1.0
    per = [args.clients // args.procs + (1 if i < args.clients % args.procs else 0)
           for i in range(args.procs)]
    procs = [ctx.Process(target=_proc_main, args=(args, n, i + 1, t_start, q))
             for i, n in enumerate(per)]
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    if server is not None:
        server.terminate()

    lat = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    total = sum(r[2] for r in results)
    rev = max(r[3] for r in results)
    cpu = sum(r[4] for r in results)
    done = sum(r[5] for r in results)

    def pct(p):
        if not lat:
            return float("nan")
        return lat[min(len(lat) - 1, int(p / 100.0 * len(lat)))]

    out = {
        "clients": args.clients,
        "procs": args.procs,
        "conns": args.conns,
        "window_s": args.duration,
        "ops_in_window": done,
        "ops_per_s": done / args.duration,
        "latency_samples": len(lat),
        "p50_us": pct(50),
        "p99_us": pct(99),
        "max_us": lat[-1] if lat else float("nan"),
        "errors": errors,
        "puts_total": total,
        "final_revision": rev,
        "client_cpu_s": cpu,
        "client_cpu_us_per_op": cpu * 1e6 / max(1, total),
    }
    print(json.dumps(out))
    return 0 if errors == 0 and lat else 1


if __name__ == "__main__":
    sys.exit(main())
