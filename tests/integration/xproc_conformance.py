#!/usr/bin/env python3
"""Runs shared conformance cases that use several Workers with the Workers
split over several dohost processes: one `dohost serve` per config, all
with one private dev registry folder and one state folder, the first
config's process getting the HTTP steps. Each case runs twice, once with
the HTTP process started first and once with it started last.

usage: xproc_conformance.py --bin BIN (--expected FILE | CASE_DIR...)

The cases are read from the shared conformance folder beside the checkout
(../shared/conformance) only; when it is not there this prints why and
exits 77 (skipped). Exits 0 when every case passes, 1 otherwise.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFORMANCE = os.path.join(os.path.dirname(TOP), "shared", "conformance")
READY_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 20
SKIPPED = 77


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """One `dohost serve -c CONFIG` of a case."""

    def __init__(self, binary, config, port, state, registry, log_path):
        self.command = [binary, "serve", "-c", config, "--port", str(port),
                        "--persist-to", state, "--registry", registry]
        self.log_path = log_path
        self.process = None

    def start(self):
        self.log = open(self.log_path, "a")
        # After a restart the log already holds the first run's lines.
        seen = self.log.tell()
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command[3]} exited with {self.process.returncode}")
            with open(self.log_path) as f:
                f.seek(seen)
                if re.search(r"^Ready on http://", f.read(), re.M):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"{self.command[3]} not ready after {READY_TIMEOUT_S}s")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log.close()


def send(port, step):
    body = step.get("body")
    data = body.encode() if isinstance(body, str) else None
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{step.get('path', '/')}",
                                     data=data, method=step.get("method", "GET"),
                                     headers=step.get("headers", {}))
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
            return response.status, dict(response.headers), response.read().decode(
                "utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


def mismatches(expect, status, headers, body):
    problems = []
    if "status" in expect and status != expect["status"]:
        problems.append(f"status {status}, expected {expect['status']}")
    if "body" in expect and body != expect["body"]:
        problems.append(f"body {body[:200]!r}, expected {expect['body']!r}")
    if "json" in expect:
        try:
            got = json.loads(body)
        except ValueError:
            problems.append(f"body is not JSON: {body[:200]!r}")
        else:
            if got != expect["json"]:
                problems.append(f"json {json.dumps(got)[:300]}, expected "
                                f"{json.dumps(expect['json'])[:300]}")
    if "match" in expect and not re.search(expect["match"], body):
        problems.append(f"body {body[:200]!r} does not match {expect['match']!r}")
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, value in expect.get("headers", {}).items():
        if lowered.get(name.lower()) != value:
            problems.append(f"header {name}: {lowered.get(name.lower())!r}, expected {value!r}")
    return problems


def run_case(binary, case_dir, http_first):
    with open(os.path.join(case_dir, "case.json")) as f:
        case = json.load(f)
    configs = case.get("configs", ["wrangler.jsonc"])
    work = tempfile.mkdtemp(prefix="xproc-conformance-")
    state = os.path.join(work, "state")
    registry = os.path.join(work, "registry")
    os.makedirs(state)
    port = free_port()
    processes = [Process(binary, os.path.join(case_dir, config), port if i == 0 else 0, state,
                         registry, os.path.join(work, f"process{i}.log"))
                 for i, config in enumerate(configs)]
    order = processes if http_first else processes[1:] + processes[:1]
    problems = []
    try:
        for process in order:
            process.start()
        for number, step in enumerate(case["steps"], 1):
            if step.get("restart"):
                for process in order:
                    process.stop()
                for process in order:
                    process.start()
                continue
            try:
                status, headers, body = send(port, step)
            except OSError as error:
                problems.append(f"step {number}: no response ({error})")
                break
            problems += [f"step {number}: {p}"
                         for p in mismatches(step.get("expect", {}), status, headers, body)]
    except RuntimeError as error:
        problems.append(str(error))
    finally:
        for process in order:
            process.stop()
        if problems:
            for i, process in enumerate(processes):
                with open(process.log_path, "rb") as f:
                    tail = f.read()[-1200:].decode("utf-8", "replace")
                problems.append(f"log of {configs[i]}:\n    " + tail.replace("\n", "\n    "))
        shutil.rmtree(work, ignore_errors=True)
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--expected", help="file listing the cases, one name a line")
    parser.add_argument("cases", nargs="*", help="case names or folders")
    args = parser.parse_args()
    if not os.path.isdir(CONFORMANCE):
        print(f"skipped: {CONFORMANCE} is not here")
        return SKIPPED

    names = list(args.cases)
    if args.expected:
        with open(args.expected) as f:
            names += [line.split("#")[0].strip() for line in f]
    cases = [n if os.path.isabs(n) else os.path.join(CONFORMANCE, n) for n in names if n]
    if not cases:
        print("skipped: no cases listed")
        return SKIPPED
    missing = [c for c in cases if not os.path.isfile(os.path.join(c, "case.json"))]
    if missing:
        print("cases not found: " + ", ".join(missing))
        return 1

    failed = 0
    for case_dir in cases:
        for http_first in (True, False):
            label = f"{os.path.basename(os.path.normpath(case_dir))} " \
                    f"({'HTTP process first' if http_first else 'HTTP process last'})"
            problems = run_case(os.path.abspath(args.bin), case_dir, http_first)
            if problems:
                failed += 1
                print(f"FAIL {label}")
                for problem in problems:
                    print(f"    {problem}")
            else:
                print(f"ok   {label}")
    print(f"{2 * len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
