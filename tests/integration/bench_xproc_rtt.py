#!/usr/bin/env python3
"""Measures the round-trip time of one Durable Object RPC call three ways,
in one run: to a class of another dohost process (Unix socket), to a class
of another Worker of the same process, and to a class of the calling
Worker itself. Each figure is timed inside the Worker over COUNT
sequential calls, the best of ROUNDS. A benchmark, not a test: it prints
numbers and asserts nothing about them.

usage: DOHOST_BIN=build/dohost python3 tests/integration/bench_xproc_rtt.py [COUNT] [ROUNDS]
"""
import json
import shutil
import sys
import tempfile

from harness import Dohost


def rtt(server, count):
    status, _, body = server.get(f"/rtt?count={count}", timeout=120)
    if status != 200:
        raise SystemExit(f"/rtt answered {status}: {body}")
    return json.loads(body)


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    state = tempfile.mkdtemp(prefix="dohost-bench-")
    registry = tempfile.mkdtemp(prefix="dohost-bench-registry-")
    servers = []
    try:
        # Split: the Counter class lives in another process.
        back = Dohost(["xproc-back/wrangler.jsonc"], persist=state, registry=registry).start()
        servers.append(back)
        front = Dohost(["xproc-front/wrangler.jsonc"], persist=state, registry=registry).start()
        servers.append(front)
        split = [rtt(front, count) for _ in range(rounds)]
        front.stop()
        back.stop()

        # Together: the same two Workers in one process.
        both = Dohost(["xproc-front/wrangler.jsonc", "xproc-back/wrangler.jsonc"],
                      persist=state, registry=registry).start()
        servers.append(both)
        together = [rtt(both, count) for _ in range(rounds)]

        print(f"{count} sequential calls, best of {rounds} rounds, microseconds per call:")
        print(f"  other process (Unix socket)      {min(r['remoteUs'] for r in split):8.1f}")
        print(f"  other Worker, same process       {min(r['remoteUs'] for r in together):8.1f}")
        print(f"  same Worker                      {min(r['localUs'] for r in split + together):8.1f}")
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(state, ignore_errors=True)
        shutil.rmtree(registry, ignore_errors=True)


if __name__ == "__main__":
    main()
