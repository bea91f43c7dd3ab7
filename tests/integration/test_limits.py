"""Resources that run out or fail: dohost raises its descriptor limit, and
when descriptors or a database fail anyway, clients get an answer instead of
waiting."""
import glob
import json
import os
import re
import shutil
import socket
import unittest

from harness import Dohost, DohostTestCase


class LimitedDohost(Dohost):
    """dohost started under `ulimit` settings (a shell prefix)."""

    def __init__(self, limits, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limits = limits

    def command(self):
        return ["sh", "-c", self.limits + '; exec "$@"', "sh"] + super().command()


def max_open_files(pid):
    with open(f"/proc/{pid}/limits") as limits:
        for line in limits:
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return int(soft), int(hard)
    raise AssertionError("no Max open files line")


class DescriptorLimit(DohostTestCase):
    def start(self, limits):
        server = LimitedDohost(limits, ["plain-graph/wrangler.jsonc"], persist=self.state,
                               registry=self.registry)
        self.servers.append(server)
        return server.start()

    def test_soft_limit_is_raised_to_the_hard_limit(self):
        server = self.start("ulimit -Sn 256; ulimit -Hn 4096")
        self.assertEqual(max_open_files(server.process.pid), (4096, 4096))

    def test_clients_get_503_when_descriptors_run_out_and_service_resumes(self):
        server = self.start("ulimit -n 96")
        held = []
        try:
            # Idle connections use up the descriptors; the ones beyond the limit are answered.
            answered = 0
            for _ in range(160):
                connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                held.append(connection)
            for connection in held:
                connection.setblocking(True)
            for connection in held[-20:]:
                data = connection.recv(200)
                if data.startswith(b"HTTP/1.1 503 Service Unavailable"):
                    answered += 1
            self.assertEqual(answered, 20)
        finally:
            for connection in held:
                connection.close()
            server.wait_for_line(r"accept failed, retrying: Too many open files; raise the limit")
        # Once descriptors are free again, requests are served.
        status, _, body = server.get("/")
        self.assertEqual((status, body), (200, "SUM 5!"))


class UnopenableDatabase(DohostTestCase):
    def test_an_object_whose_database_cannot_be_opened_fails_its_request_with_500(self):
        server = self.serve("counter/wrangler.jsonc")
        self.assertEqual(json.loads(server.get("/hit/x")[2])["count"], 1)
        server.stop()
        # The object's database becomes a folder, which SQLite cannot open.
        (database,) = glob.glob(os.path.join(self.state, "do", "counter", "Counter", "*.sqlite"))
        for leftover in glob.glob(database + "*"):
            os.remove(leftover)
        os.mkdir(database)

        server = self.serve("counter/wrangler.jsonc")
        self.assertEqual(server.get("/hit/x")[0], 500)
        server.wait_for_line(r"Durable Object storage could not be opened: storage: cannot open "
                             + re.escape(database))
        # Other objects are not affected.
        self.assertEqual(json.loads(server.get("/hit/y")[2])["count"], 1)
        shutil.rmtree(database)


if __name__ == "__main__":
    unittest.main()
