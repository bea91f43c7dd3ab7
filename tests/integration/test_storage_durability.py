"""What a Worker was told is written survives a crash; concurrent writers lose nothing."""
import json
import os
import signal
import threading
import time
import unittest

from harness import DohostTestCase

WRITERS = 8
OBJECTS = 3


class CrashSafety(DohostTestCase):
    def test_every_acknowledged_write_survives_sigkill(self):
        # Commits come 50 ms after the writes, so that a SIGKILL is sure to find writes not yet
        # committed; none of them may have been acknowledged.
        server = self.serve("durability/wrangler.jsonc",
                            env={"DOHOST_TEST_COMMIT_DELAY_MS": "50"})
        acknowledged = {}
        lock = threading.Lock()
        stop = threading.Event()

        def writer(number):
            i = 0
            while not stop.is_set():
                name, key, value = f"o{number % OBJECTS}", f"w{number}-{i}", f"v{i}"
                try:
                    status, _, body = server.get(
                        f"/record?object={name}&key={key}&value={value}", timeout=5)
                except OSError:
                    return  # the server is gone: this write was never acknowledged
                if status == 200 and body == "ok":
                    with lock:
                        acknowledged[(name, key)] = value
                i += 1

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lock:
                if len(acknowledged) >= 300:
                    break
            time.sleep(0.01)
        # Killed with writes in flight: no chance to flush anything on the way out.
        server.stop(signal.SIGKILL)
        stop.set()
        for thread in threads:
            thread.join()
        self.assertGreaterEqual(len(acknowledged), 300)

        server.start()
        for number in range(OBJECTS):
            name = f"o{number}"
            stored = json.loads(server.get(f"/entries?object={name}")[2])
            expected = {key: value for (owner, key), value in acknowledged.items() if owner == name}
            missing_sql = {k: v for k, v in expected.items() if stored["sql"].get(k) != v}
            missing_kv = {k: v for k, v in expected.items() if stored["kv"].get(k) != v}
            self.assertEqual(missing_sql, {}, f"SQL rows lost in {name}")
            self.assertEqual(missing_kv, {}, f"KV values lost in {name}")


class Files(DohostTestCase):
    def test_an_object_that_never_uses_storage_has_no_database_file(self):
        server = self.serve("durability/wrangler.jsonc")
        self.assertEqual(server.get("/hello?object=quiet")[2], "hello")
        self.assertFalse(os.path.exists(os.path.join(self.state, "do", "durability", "Tally")))
        self.assertEqual(server.get("/increment?object=quiet")[2], "1")
        self.assertEqual(len([name for name in os.listdir(
            os.path.join(self.state, "do", "durability", "Tally")) if name.endswith(".sqlite")]), 1)


class ConcurrentWriters(DohostTestCase):
    def test_concurrent_read_modify_write_loses_no_update(self):
        server = self.serve("durability/wrangler.jsonc")
        per_writer = 25
        seen = []
        lock = threading.Lock()

        def writer():
            for _ in range(per_writer):
                status, _, body = server.get("/increment?object=shared")
                self.assertEqual(status, 200, body)
                with lock:
                    seen.append(int(body))

        threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        total = WRITERS * per_writer
        self.assertEqual(sorted(seen), list(range(1, total + 1)))
        self.assertEqual(server.get("/total?object=shared")[2], str(total))
        # And it is all on disk.
        server.stop()
        server.start()
        self.assertEqual(server.get("/total?object=shared")[2], str(total))


if __name__ == "__main__":
    unittest.main()
