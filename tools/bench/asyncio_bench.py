#!/usr/bin/env python3
"""asyncpp-bench's workloads under CPython's asyncio and, when importable, uvloop.

    python3 tools/bench/asyncio_bench.py [--loop asyncio|uvloop|both] [--rounds 3] [--scale 1.0]

Prints one JSON object per workload and loop (median seconds over the rounds, ops/s),
with the same sizes and keys as asyncpp-bench --json, so the README's table can put
asyncpp, raw Asio, asyncio and uvloop side by side.
"""
import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

WORKLOADS = ["spawn_gather", "spawn_yield_gather", "yield", "timers", "executor", "echo"]


def sizes(name, scale, echo_seconds):
    n = lambda v: max(1, int(v * scale))
    return {
        "spawn_gather": {"n": n(200000)},
        "spawn_yield_gather": {"n": n(200000)},
        "yield": {"n": n(1000), "per_task": 1000},
        "timers": {"n": n(100000)},
        "executor": {"n": n(100000), "batch": 1000, "threads": min(32, (os.cpu_count() or 1) + 4)},
        "echo": {"n": 50, "size": 1024, "seconds": echo_seconds},
    }[name]


async def child(i, yield_once):
    if yield_once:
        await asyncio.sleep(0)
    return i


async def spawn_gather(p, yield_once):
    results = await asyncio.gather(*(child(i, yield_once) for i in range(p["n"])))
    assert sum(results) == p["n"] * (p["n"] - 1) // 2
    return p["n"]


async def yield_workload(p):
    count = 0

    async def worker():
        nonlocal count
        for _ in range(p["per_task"]):
            await asyncio.sleep(0)
            count += 1

    await asyncio.gather(*(asyncio.create_task(worker()) for _ in range(p["n"])))
    assert count == p["n"] * p["per_task"]
    return count


async def timers(p):
    rng = random.Random(42)
    delays = [rng.randint(0, 50) / 1000 for _ in range(p["n"])]
    await asyncio.gather(*(asyncio.sleep(d) for d in delays))
    return p["n"]


async def executor(p):
    loop = asyncio.get_running_loop()
    total = 0
    with ThreadPoolExecutor(p["threads"]) as pool:
        for start in range(0, p["n"], p["batch"]):
            batch = range(start, min(p["n"], start + p["batch"]))
            total += sum(await asyncio.gather(*(loop.run_in_executor(pool, lambda v: v * 2, v) for v in batch)))
    assert total == p["n"] * (p["n"] - 1)
    return p["n"]


def echo_client(port, p, out):
    """The load, from another process so that it does not share the interpreter."""
    script = r"""
import socket, sys, time, selectors
port, conns, size, seconds = map(float, sys.argv[1:5])
sel = selectors.DefaultSelector(); msg = b"x" * int(size); done = 0
socks = []
for _ in range(int(conns)):
    s = socket.create_connection(("127.0.0.1", int(port))); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.setblocking(False); socks.append(s); sel.register(s, selectors.EVENT_READ, [0]); s.sendall(msg)
end = time.monotonic() + seconds
while time.monotonic() < end:
    for key, _ in sel.select(0.1):
        data = key.fileobj.recv(65536)
        key.data[0] += len(data)
        if key.data[0] >= len(msg):
            key.data[0] -= len(msg); done += 1; key.fileobj.sendall(msg)
print(done)
"""
    return subprocess.Popen([sys.executable, "-c", script, str(port), str(p["n"]), str(p["size"]), str(p["seconds"])],
                            stdout=subprocess.PIPE, text=True)


async def echo(p):
    async def session(reader, writer):
        try:
            while data := await reader.read(4096):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        writer.close()

    server = await asyncio.start_server(session, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = echo_client(port, p, None)
    while client.poll() is None:
        await asyncio.sleep(0.05)
    server.close()
    return int(client.stdout.read().strip())


async def run_workload(name, p):
    if name == "spawn_gather":
        return await spawn_gather(p, False)
    if name == "spawn_yield_gather":
        return await spawn_gather(p, True)
    if name == "yield":
        return await yield_workload(p)
    if name == "timers":
        return await timers(p)
    if name == "executor":
        return await executor(p)
    return await echo(p)


def child_main(name, loop_kind, p):
    if loop_kind == "uvloop":
        import uvloop
        uvloop.install()
    start = time.perf_counter()
    ops = asyncio.run(run_workload(name, p))
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "ops": ops, "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loop", choices=["asyncio", "uvloop", "both"], default="both")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--echo-seconds", type=float, default=3.0)
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    names = args.workloads.split(",")
    for name in names:
        if name not in WORKLOADS:
            ap.error(f"unknown workload '{name}'")
    if args.rounds < 1 or not (0 < args.scale <= 100):
        ap.error("--rounds must be at least 1 and --scale in (0, 100]")
    if args.child:
        name, loop_kind = args.child.split(":")
        child_main(name, loop_kind, sizes(name, args.scale, args.echo_seconds))
        return
    loops = ["asyncio", "uvloop"] if args.loop == "both" else [args.loop]
    if "uvloop" in loops:
        try:
            import uvloop  # noqa: F401
        except ImportError:
            print("uvloop is not importable; measuring asyncio only", file=sys.stderr)
            loops.remove("uvloop")
    samples = {}
    for _ in range(args.rounds):
        for name in names:
            for loop_kind in loops:
                out = subprocess.run([sys.executable, __file__, "--child", f"{name}:{loop_kind}", "--scale",
                                      str(args.scale), "--echo-seconds", str(args.echo_seconds)],
                                     check=True, capture_output=True, text=True).stdout
                samples.setdefault((name, loop_kind), []).append(json.loads(out))
    for (name, loop_kind), runs in samples.items():
        per_op = statistics.median(r["seconds"] / r["ops"] for r in runs)
        print(json.dumps({"workload": name, "loop": loop_kind, "n": sizes(name, args.scale, args.echo_seconds)["n"],
                          "seconds": statistics.median(r["seconds"] for r in runs), "ops_per_s": 1 / per_op,
                          "rss_kib": int(statistics.median(r["rss_kib"] for r in runs))}))


if __name__ == "__main__":
    main()
