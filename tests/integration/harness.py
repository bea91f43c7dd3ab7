"""Starts the real dohost binary for integration tests and talks HTTP to it.

Every server listens on 127.0.0.1 on a port the kernel picks (--port 0);
the port is read back from the `Ready on` line.
"""
import http.client
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
WORKERS = os.path.join(HERE, "workers")
BIN = os.environ.get("DOHOST_BIN", os.path.join(TOP, "build", "dohost"))
START_TIMEOUT_S = 30


class Dohost:
    """One `dohost serve` process and its output."""

    def __init__(self, configs, persist=None, extra=(), cwd=None, registry=None, env=None):
        self.configs = [c if os.path.isabs(c) else os.path.join(WORKERS, c) for c in configs]
        self.persist = persist
        self.registry = registry
        self.extra = list(extra)
        self.cwd = cwd
        self.env = dict(os.environ, **env) if env else None
        self.process = None
        self.port = None
        self.lines = []
        self._ready = threading.Event()
        self._lock = threading.Lock()

    def command(self):
        command = [BIN, "serve"]
        for config in self.configs:
            command += ["-c", config]
        command += ["--port", "0"]
        if self.persist:
            command += ["--persist-to", self.persist]
        if self.registry:
            command += ["--registry", self.registry]
        return command + self.extra

    def start(self):
        self.lines = []
        self._ready.clear()
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=self.cwd, env=self.env, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(START_TIMEOUT_S):
            self.stop()
            raise AssertionError("dohost did not become ready:\n" + self.output())
        if self.port is None:
            raise AssertionError("dohost exited before ready:\n" + self.output())
        return self

    def _read(self):
        for line in self.process.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))
            match = re.match(r"Ready on http://[\d.]+:(\d+)", line)
            if match:
                self.port = int(match.group(1))
                self._ready.set()
        self._ready.set()

    def output(self):
        with self._lock:
            return "\n".join(self.lines)

    def wait_for_line(self, pattern, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.output()):
                return
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in:\n{self.output()}")

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode if self.process else None

    def request(self, method, path, body=None, headers=None, timeout=20):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            connection.close()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)


def run_dohost(args, cwd=None, timeout=30):
    """Runs dohost to completion (for commands that exit, e.g. bad configs)."""
    return subprocess.run([BIN] + args, capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, stdin=subprocess.DEVNULL)


class DohostTestCase(unittest.TestCase):
    """Gives each test a fresh persist folder and stops servers it started."""

    def setUp(self):
        self.state = tempfile.mkdtemp(prefix="dohost-test-")
        # A dev registry of the test's own, so that servers of other tests
        # (or of a person at the same machine) never see each other.
        self.registry = tempfile.mkdtemp(prefix="dohost-registry-")
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            server.stop()
        shutil.rmtree(self.state, ignore_errors=True)
        shutil.rmtree(self.registry, ignore_errors=True)

    def serve(self, *configs, **kwargs):
        kwargs.setdefault("persist", self.state)
        kwargs.setdefault("registry", self.registry)
        server = Dohost(list(configs), **kwargs)
        self.servers.append(server)
        return server.start()
