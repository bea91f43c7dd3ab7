"""Several `dohost serve` processes that find each other through a private
dev registry folder: Durable Objects of another process via script_name,
start orders, peers that stop, come back or are killed mid-call, the
banner's [connected] / [not connected] states and their change lines, and
the registry files themselves."""
import glob
import json
import os
import re
import signal
import subprocess
import threading
import time
import unittest

from harness import BIN, WORKERS, Dohost, DohostTestCase

def wait_until(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


NOT_FOUND = 'Worker "xproc-back" not found. Make sure it is running locally.'
LOST = ('Network connection lost: the dohost process running Worker "xproc-back" '
        'went away before it answered.')
SVC_NOT_FOUND = 'Worker "xproc-svc" not found. Make sure it is running locally.'
SVC_LINE = 'Worker "xproc-caller": env.SVC (service xproc-svc) '
ADMIN_LINE = 'Worker "xproc-caller": env.ADMIN (service xproc-svc, entrypoint Admin) '
REMOTE_LINE = 'Worker "xproc-front": env.REMOTE (Durable Object Counter in xproc-back) '
RELAY_LINE = 'Worker "xproc-front": env.RELAY (Durable Object Relay in xproc-relay) '


class CrossProcessCase(DohostTestCase):
    def process(self, *configs):
        """A server of this test, not started yet."""
        server = Dohost(list(configs), persist=self.state, registry=self.registry)
        self.servers.append(server)
        return server

    def get_json(self, server, path):
        status, _, body = server.get(path)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def wait_state(self, server, prefix, state):
        """Waits for the line saying a binding's state changed to `state`."""
        server.wait_for_line("(?m)^" + re.escape(prefix + state) + "$")

    def assert_line_count(self, server, text, count):
        lines = [line for line in server.output().splitlines() if line == text]
        self.assertEqual(len(lines), count, server.output())


class ExternalDurableObject(CrossProcessCase):
    def test_calls_reach_a_class_of_another_process_with_the_same_values(self):
        back = self.serve("xproc-back/wrangler.jsonc")
        front = self.serve("xproc-front/wrangler.jsonc")
        self.assertIn("  env.REMOTE                     Durable Object      "
                      "Counter (in xproc-back) [connected]", front.output())
        self.assertEqual(self.get_json(front, "/hit?name=a"), {"value": 1})
        self.assertEqual(self.get_json(front, "/hit?name=a"), {"value": 2})
        self.assertEqual(self.get_json(front, "/hit?name=b"), {"value": 1})
        # The object runs in its owner's process, with its owner's env and the ID
        # the caller derived.
        whoami = self.get_json(front, "/whoami?name=a")
        self.assertEqual(whoami["value"]["owner"], "back")
        self.assertEqual(whoami["value"]["name"], "a")
        self.assertTrue(whoami["sameId"])
        # The owner's own fetch sees the same storage.
        self.assertEqual(self.get_json(back, "/?name=a"), {"count": 3})

    def test_values_errors_and_large_messages_cross_unchanged(self):
        self.serve("xproc-back/wrangler.jsonc")
        front = self.serve("xproc-front/wrangler.jsonc")
        self.assertEqual(self.get_json(front, "/echo"), {
            "text": True, "big": True, "nan": True, "negZero": True, "date": True,
            "map": "one", "set": True, "bytes": [1, 2, 3], "hole": True})
        self.assertEqual(self.get_json(front, "/fail"), {"error": {
            "name": "RangeError", "message": "counter out of range", "remote": True}})
        self.assertEqual(self.get_json(front, "/large?size=3000000"),
                         {"length": 3000000, "last": 7})

    def test_stub_fetch_reaches_the_object_or_answers_503(self):
        back = self.serve("xproc-back/wrangler.jsonc")
        front = self.serve("xproc-front/wrangler.jsonc")
        self.assertEqual(self.get_json(front, "/stub-fetch?name=f"), {
            "status": 202, "owner": "back", "body": "counter f saw POST /inside hi"})
        back.stop()
        self.wait_state(front, REMOTE_LINE, "[not connected]")
        self.assertEqual(self.get_json(front, "/stub-fetch?name=f"), {
            "status": 503, "owner": None, "body": NOT_FOUND})

    def test_many_calls_in_flight_get_their_own_replies(self):
        self.serve("xproc-back/wrangler.jsonc")
        front = self.serve("xproc-front/wrangler.jsonc")
        self.assertEqual(self.get_json(front, "/many?count=300"), list(range(300)))

    def test_concurrent_requests_share_the_connection(self):
        self.serve("xproc-back/wrangler.jsonc")
        front = self.serve("xproc-front/wrangler.jsonc")
        results = []

        def hit():
            results.append(self.get_json(front, "/hit?name=shared")["value"])

        threads = [threading.Thread(target=hit) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(sorted(results), list(range(1, 9)))


class ServiceBindings(CrossProcessCase):
    def test_rpc_to_an_entrypoint_of_another_process(self):
        svc = self.serve("xproc-svc/wrangler.jsonc")
        caller = self.serve("xproc-caller/wrangler.jsonc")
        self.assertNotIn("no dohost process runs", caller.output())
        self.assertIn("  env.SVC                        Service             xproc-svc [connected]",
                      caller.output())
        self.assertIn("  env.ADMIN                      Service             xproc-svc [connected]",
                      caller.output())
        self.assertEqual(self.get_json(caller, "/add"), {"value": 5})
        self.assertEqual(self.get_json(caller, "/admin"), {"value": "admin of svc"})
        self.assertEqual(self.get_json(caller, "/fail"),
                         {"error": {"name": "TypeError", "message": "svc failed"}})
        self.assertNotIn("connected]", svc.output())

    def test_functions_and_rpc_targets_travel_by_reference(self):
        self.serve("xproc-svc/wrangler.jsonc")
        caller = self.serve("xproc-caller/wrangler.jsonc")
        # The callback runs in the caller's process, called from the service's.
        self.assertEqual(self.get_json(caller, "/callback"), {"value": {"got": 42}})
        # The RpcTarget stays in the service's process and keeps its state.
        self.assertEqual(self.get_json(caller, "/tally"), {"value": 5})
        # Pipelined: a call on the promise of a call's result.
        self.assertEqual(self.get_json(caller, "/pipeline"), {"value": 7})
        # Streams are pulled across, either way.
        self.assertEqual(self.get_json(caller, "/streams"), {"counted": "1,2,3,4,5,", "total": 42})

    def test_http_service_binding_carries_requests_and_responses(self):
        self.serve("xproc-svc/wrangler.jsonc")
        caller = self.serve("xproc-caller/wrangler.jsonc")
        body = "x" * 200000
        status, _, text = caller.request("POST", "/fetch", body=body, headers={"x-test": "t1"})
        self.assertEqual(status, 200, text)
        self.assertEqual(json.loads(text), {
            "status": 201, "back": "yes", "type": None,
            "body": f"POST;/echo?q=1;t1;{body};"})
        # The caller hands the service's Response straight back to its client.
        status, headers, text = caller.request("PUT", "/proxy?a=b", body="hello",
                                               headers={"x-test": "t2"})
        self.assertEqual((status, headers.get("x-back"), text), (201, "yes", "PUT;/proxy?a=b;t2;hello;"))

    def test_a_stub_kept_across_its_owners_restart_reaches_nothing_else(self):
        svc = self.serve("xproc-svc/wrangler.jsonc")
        caller = self.serve("xproc-caller/wrangler.jsonc")
        answers = []
        thread = threading.Thread(target=lambda: answers.append(self.get_json(caller, "/stale")))
        thread.start()
        caller.wait_for_line("holding a tally")
        self.assertEqual(svc.stop(), 0)
        svc.start()
        thread.join(30)
        self.assertFalse(thread.is_alive())
        # The new process's first RpcTarget is not the one the old stub named.
        self.assertEqual(answers, [{"sawDown": True, "fresh": 1, "stale": {"error": {
            "name": "Error", "message": "RPC stub used after being disposed."}}}])

    def test_a_service_not_running_fails_at_once_and_fetch_answers_503(self):
        caller = self.serve("xproc-caller/wrangler.jsonc")
        self.assertIn("xproc-svc [not connected]", caller.output())
        self.assertIn('Worker "xproc-caller": env.SVC is bound to Worker "xproc-svc", which no '
                      'dohost process runs yet; calls through it fail until it starts (with '
                      'another -c, or in another dohost serve sharing the registry '
                      f'{self.registry})', caller.output())
        self.assertEqual(self.get_json(caller, "/add"),
                         {"error": {"name": "Error", "message": SVC_NOT_FOUND}})
        self.assertEqual(self.get_json(caller, "/fetch"), {
            "status": 503, "back": None, "type": "text/plain;charset=UTF-8",
            "body": SVC_NOT_FOUND})
        status, _, text = caller.get("/proxy")
        self.assertEqual((status, text), (503, SVC_NOT_FOUND))

        svc = self.serve("xproc-svc/wrangler.jsonc")
        self.wait_state(caller, SVC_LINE, "[connected]")
        self.wait_state(caller, ADMIN_LINE, "[connected]")
        self.assertEqual(self.get_json(caller, "/add"), {"value": 5})

        svc.stop()
        self.wait_state(caller, SVC_LINE, "[not connected]")
        self.wait_state(caller, ADMIN_LINE, "[not connected]")
        self.assertEqual(self.get_json(caller, "/admin"),
                         {"error": {"name": "Error", "message": SVC_NOT_FOUND}})

    def test_a_service_killed_mid_call_rejects_the_call(self):
        svc = self.serve("xproc-svc/wrangler.jsonc")
        caller = self.serve("xproc-caller/wrangler.jsonc")
        answers = []
        thread = threading.Thread(target=lambda: answers.append(self.get_json(caller, "/hang")))
        thread.start()
        svc.wait_for_line(r"svc hang started")
        svc.stop(signal.SIGKILL)
        thread.join(30)
        self.assertFalse(thread.is_alive())
        self.assertEqual(answers, [{"error": {"name": "Error", "message": (
            'Network connection lost: the dohost process running Worker "xproc-svc" went away '
            'before it answered.')}}])
        self.wait_state(caller, SVC_LINE, "[not connected]")
        svc.start()
        self.wait_state(caller, SVC_LINE, "[connected]")
        self.assertEqual(self.get_json(caller, "/add"), {"value": 5})


class StartOrder(CrossProcessCase):
    def test_caller_first_then_owner(self):
        front = self.serve("xproc-front/wrangler.jsonc")
        self.assertIn("Counter (in xproc-back) [not connected]", front.output())
        # A call to a Worker no process runs fails at once, naming it.
        self.assertEqual(self.get_json(front, "/hit"),
                         {"error": {"name": "Error", "message": NOT_FOUND, "remote": False}})
        self.serve("xproc-back/wrangler.jsonc")
        self.wait_state(front, REMOTE_LINE, "[connected]")
        self.assertEqual(self.get_json(front, "/hit"), {"value": 1})

    def test_owner_first_then_caller(self):
        back = self.serve("xproc-back/wrangler.jsonc")
        front = self.serve("xproc-front/wrangler.jsonc")
        self.assertIn("Counter (in xproc-back) [connected]", front.output())
        self.assertIn("Relay (in xproc-relay) [not connected]", front.output())
        self.assertEqual(self.get_json(front, "/hit"), {"value": 1})
        # The owner has no binding to the caller, so it prints no state at all.
        self.assertNotIn("connected]", back.output())


class PeerComesAndGoes(CrossProcessCase):
    def test_peer_down_then_back_without_restarting_the_caller(self):
        back = self.serve("xproc-back/wrangler.jsonc")
        front = self.serve("xproc-front/wrangler.jsonc")
        self.assertEqual(self.get_json(front, "/hit"), {"value": 1})

        self.assertEqual(back.stop(), 0)
        self.wait_state(front, REMOTE_LINE, "[not connected]")
        self.assertEqual(self.get_json(front, "/hit")["error"]["message"], NOT_FOUND)

        back.start()
        self.wait_state(front, REMOTE_LINE, "[connected]")
        # The same storage: the object keeps counting.
        self.assertEqual(self.get_json(front, "/hit"), {"value": 2})
        self.assert_line_count(front, REMOTE_LINE + "[not connected]", 1)
        self.assert_line_count(front, REMOTE_LINE + "[connected]", 1)

    def test_peer_killed_mid_call_rejects_the_call(self):
        back = self.serve("xproc-back/wrangler.jsonc")
        front = self.serve("xproc-front/wrangler.jsonc")
        answers = []
        caller = threading.Thread(target=lambda: answers.append(self.get_json(front, "/hang")))
        caller.start()
        back.wait_for_line(r"hang started")
        back.stop(signal.SIGKILL)
        caller.join(30)
        self.assertFalse(caller.is_alive())
        self.assertEqual(answers, [{"error": {"name": "Error", "message": LOST, "remote": False}}])

        # The killed process left its files; they are noticed as stale.
        self.wait_state(front, REMOTE_LINE, "[not connected]")
        self.assertEqual(self.get_json(front, "/hit")["error"]["message"], NOT_FOUND)
        self.assertEqual(glob.glob(os.path.join(self.registry, "xproc-back.json")), [])

        back.start()
        self.wait_state(front, REMOTE_LINE, "[connected]")
        self.assertEqual(self.get_json(front, "/hit"), {"value": 1})

    def test_a_second_process_of_the_same_worker_takes_over_then_hands_back(self):
        first = self.serve("xproc-back/wrangler.jsonc")
        front = self.serve("xproc-front/wrangler.jsonc")
        self.assertEqual(self.get_json(front, "/hit"), {"value": 1})
        second = self.serve("xproc-back/wrangler.jsonc")
        self.assertIn(f'warn registry: Worker "xproc-back" is also run by dohost process '
                      f'{first.process.pid}; other processes now reach this one', second.output())
        entry = os.path.join(self.registry, "xproc-back.json")
        with open(entry) as f:
            self.assertEqual(json.load(f)["pid"], second.process.pid)
        self.assertEqual(self.get_json(front, "/hit"), {"value": 2})

        # When the newer one exits, the first serves the Worker again.
        self.assertEqual(second.stop(), 0)
        wait_until(lambda: os.path.exists(entry) and json.load(open(entry))["pid"] ==
                   first.process.pid)
        self.assertEqual(self.get_json(front, "/hit"), {"value": 3})

    def test_stale_entry_of_a_dead_process_is_ignored_and_removed(self):
        # A process that exited at once: its pid is free.
        dead = subprocess.Popen(["true"])
        dead.wait()
        socket_path = os.path.join(self.registry, "sockets", f"{dead.pid}.sock")
        os.makedirs(os.path.dirname(socket_path), exist_ok=True)
        with open(os.path.join(self.registry, "xproc-back.json"), "w") as f:
            json.dump({"format": 1, "name": "xproc-back", "socket": socket_path,
                       "pid": dead.pid, "entrypoints": ["default"], "classes": ["Counter"]}, f)
        front = self.serve("xproc-front/wrangler.jsonc")
        self.assertIn("Counter (in xproc-back) [not connected]", front.output())
        self.assertEqual(self.get_json(front, "/hit")["error"]["message"], NOT_FOUND)
        self.assertFalse(os.path.exists(os.path.join(self.registry, "xproc-back.json")))


class ThreeProcesses(CrossProcessCase):
    def test_a_call_crosses_two_process_boundaries(self):
        front = self.serve("xproc-front/wrangler.jsonc")
        relay = self.serve("xproc-relay/wrangler.jsonc")
        self.wait_state(front, RELAY_LINE, "[connected]")
        self.assertIn("Counter (in xproc-back) [not connected]", relay.output())
        # The relay runs, the Worker behind it does not: its error comes back through.
        self.assertEqual(self.get_json(front, "/relay?name=n"),
                         {"error": {"name": "Error", "message": NOT_FOUND, "remote": True}})

        self.serve("xproc-back/wrangler.jsonc")
        self.wait_state(relay, 'Worker "xproc-relay": env.COUNTER '
                        '(Durable Object Counter in xproc-back) ', "[connected]")
        self.wait_state(front, REMOTE_LINE, "[connected]")
        self.assertEqual(self.get_json(front, "/relay?name=n"),
                         {"value": {"relayedBy": "r", "count": 1}})
        # Straight from the front, the same object.
        self.assertEqual(self.get_json(front, "/hit?name=n"), {"value": 2})


class RegistryFolder(CrossProcessCase):
    def read_entries(self):
        entries = {}
        for path in glob.glob(os.path.join(self.registry, "*.json")):
            with open(path) as f:
                entries[os.path.basename(path)] = json.load(f)
        return entries

    def test_one_file_per_worker_removed_on_clean_exit(self):
        server = self.serve("xproc-back/wrangler.jsonc", "xproc-relay/wrangler.jsonc")
        entries = self.read_entries()
        self.assertEqual(sorted(entries), ["xproc-back.json", "xproc-relay.json"])
        back = entries["xproc-back.json"]
        self.assertEqual(back["name"], "xproc-back")
        self.assertEqual(back["pid"], server.process.pid)
        self.assertEqual(back["classes"], ["Counter"])
        self.assertEqual(back["entrypoints"], ["default"])
        self.assertEqual(back["socket"], entries["xproc-relay.json"]["socket"])
        self.assertTrue(os.path.exists(back["socket"]))
        # In one process, the relay's binding to xproc-back needs no socket.
        self.assertIn("Counter (in xproc-back) [connected]", server.output())

        self.assertEqual(server.stop(), 0)
        self.assertEqual(self.read_entries(), {})
        self.assertFalse(os.path.exists(back["socket"]))

    def test_environment_variable_names_the_folder(self):
        folder = os.path.join(self.registry, "from-env")
        env = dict(os.environ, DOHOST_REGISTRY_PATH=folder)
        process = subprocess.Popen(
            [BIN, "serve", "-c", os.path.join(WORKERS, "xproc-back", "wrangler.jsonc"),
             "--port", "0", "--persist-to", self.state],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, text=True)
        try:
            for line in process.stdout:
                if line.startswith("Ready on"):
                    break
            self.assertTrue(os.path.exists(os.path.join(folder, "xproc-back.json")))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(10)
        self.assertFalse(os.path.exists(os.path.join(folder, "xproc-back.json")))

    def test_an_unusable_default_folder_only_warns(self):
        home = os.path.join(self.registry, "home-file")
        with open(home, "w") as f:
            f.write("not a folder")
        env = {k: v for k, v in os.environ.items()
               if k not in ("XDG_RUNTIME_DIR", "DOHOST_REGISTRY_PATH")}
        env["HOME"] = home
        process = subprocess.Popen(
            [BIN, "serve", "-c", os.path.join(WORKERS, "xproc-back", "wrangler.jsonc"),
             "--port", "0", "--persist-to", self.state],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, text=True)
        lines = []
        try:
            for line in process.stdout:
                lines.append(line.rstrip("\n"))
                if line.startswith("Ready on"):
                    break
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(10)
            process.stdout.close()
        self.assertIn("warn registry: cannot create the dev registry folder "
                      f"{home}/.dohost/registry: Not a directory; pass another with --registry "
                      "DIR; this process neither registers its Workers nor reaches other dohost "
                      "processes", lines)
        self.assertTrue(lines[-1].startswith("Ready on"), lines)

    def test_unusable_folder_is_a_startup_error(self):
        blocker = os.path.join(self.registry, "file")
        with open(blocker, "w") as f:
            f.write("not a folder")
        server = self.process("xproc-back/wrangler.jsonc")
        server.registry = os.path.join(blocker, "registry")
        with self.assertRaises(AssertionError):
            server.start()
        self.assertIn("cannot create the dev registry folder " + server.registry, server.output())


if __name__ == "__main__":
    unittest.main()
