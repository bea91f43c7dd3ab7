"""`dohost serve` end to end: Durable Objects in SQL, errors, restarts."""
import json
import os
import signal
import unittest

from harness import WORKERS, DohostTestCase, run_dohost


class ServeCounter(DohostTestCase):
    def test_counter_keeps_counting_across_requests_and_restarts(self):
        server = self.serve("counter/wrangler.jsonc")
        counts = [json.loads(server.get("/hit/a")[2])["count"] for _ in range(3)]
        self.assertEqual(counts, [1, 2, 3])
        self.assertEqual(server.stop(), 0)
        server.start()
        self.assertEqual(json.loads(server.get("/hit/a")[2]), {"name": "a", "count": 4})

    def test_two_names_reach_two_isolated_instances(self):
        server = self.serve("counter/wrangler.jsonc")
        server.get("/hit/a")
        server.get("/hit/a")
        self.assertEqual(json.loads(server.get("/hit/b")[2])["count"], 1)
        a = json.loads(server.get("/whoami/a")[2])
        b = json.loads(server.get("/whoami/b")[2])
        self.assertNotEqual(a["id"], b["id"])
        self.assertRegex(a["id"], r"^[0-9a-f]{64}$")
        self.assertEqual((a["name"], b["name"]), ("a", "b"))
        # One instance per ID: asking again constructs nothing new.
        self.assertEqual(json.loads(server.get("/whoami/a")[2])["constructed"], 2)

    def test_data_lives_in_one_sqlite_file_per_object(self):
        server = self.serve("counter/wrangler.jsonc")
        server.get("/hit/a")
        folder = os.path.join(self.state, "do", "counter", "Counter")
        files = [f for f in os.listdir(folder) if f.endswith(".sqlite")]
        hexid = json.loads(server.get("/whoami/a")[2])["id"]
        self.assertEqual(files, [hexid + ".sqlite"])


class ServeErrors(DohostTestCase):
    def test_object_errors_reach_the_caller_with_name_and_message(self):
        server = self.serve("counter/wrangler.jsonc")
        status, _, body = server.get("/fail/x?kind=range")
        self.assertEqual(status, 500)
        self.assertEqual(json.loads(body), {"name": "RangeError", "message": "counter out of range",
                                            "isRange": True, "remote": True})
        self.assertEqual(json.loads(server.get("/fail/x?kind=plain")[2])["message"],
                         "plain failure")
        # workerd folds a custom error name into the message.
        self.assertEqual(json.loads(server.get("/fail/x?kind=custom")[2]),
                         {"name": "Error", "message": "QuotaError: over quota", "isRange": False,
                          "remote": True})
        self.assertEqual(json.loads(server.get("/fail-later/x")[2])["name"], "TypeError")
        # The object still works afterwards.
        self.assertEqual(json.loads(server.get("/hit/x")[2])["count"], 1)

    def test_worker_exception_gives_500_and_the_server_keeps_serving(self):
        server = self.serve("counter/wrangler.jsonc")
        status, _, _ = server.get("/throw")
        self.assertEqual(status, 500)
        server.wait_for_line(r"Error: worker route threw")
        self.assertEqual(server.get("/hit/a")[0], 200)

    def test_missing_main_is_reported_and_dohost_exits_non_zero(self):
        result = run_dohost(["serve", os.path.join(WORKERS, "bad-main", "wrangler.jsonc"),
                             "--port", "0"])
        self.assertEqual(result.returncode, 1)
        self.assertIn('"main" is missing', result.stderr)

    def test_binding_to_a_class_the_worker_does_not_export_is_an_error(self):
        result = run_dohost(["serve", os.path.join(WORKERS, "bad-class", "wrangler.jsonc"),
                             "--port", "0", "--persist-to", self.state])
        self.assertEqual(result.returncode, 1)
        self.assertIn('class "Missing" is not exported', result.stderr)


class ServeBasics(DohostTestCase):
    def test_typescript_starter_answers_hello_world_on_every_path(self):
        server = self.serve("starter/wrangler.json")
        for path in ["/", "/a", "/b/c?x=1"]:
            self.assertEqual(server.get(path)[:1] + (server.get(path)[2],), (200, "Hello, World!"))
        # The starter's keys dohost ignores are named once.
        self.assertRegex(server.output(), r'"observability"')

    def test_plain_modules_load_with_relative_imports(self):
        server = self.serve("plain-graph/wrangler.jsonc")
        self.assertEqual(server.get("/")[2], "SUM 5!")

    def test_vars_reach_env_as_their_json_values(self):
        server = self.serve("counter/wrangler.jsonc")
        self.assertEqual(json.loads(server.get("/vars")[2]), {"greeting": "hi", "max": 3})

    def test_request_method_headers_and_body_reach_the_worker(self):
        server = self.serve("counter/wrangler.jsonc")
        status, headers, body = server.request("POST", "/echo", body="payload",
                                               headers={"X-Test": "yes"})
        self.assertEqual((status, body), (201, "payload"))
        self.assertEqual(headers["x-method"], "POST")
        self.assertEqual(headers["x-seen"], "yes")

    def test_console_output_is_printed_with_the_worker_name(self):
        server = self.serve("counter/wrangler.jsonc")
        server.get("/log")
        server.wait_for_line(r"\[counter\] logged \{ from: 'worker' \}")

    def test_each_request_is_logged_with_status_and_time(self):
        server = self.serve("counter/wrangler.jsonc")
        server.get("/nope")
        server.wait_for_line(r"GET /nope 404 Not Found \(\d+ms\)")

    def test_banner_lists_bindings_and_the_address(self):
        server = self.serve("counter/wrangler.jsonc")
        output = server.output()
        self.assertRegex(output, r"env\.COUNTER\s+Durable Object\s+Counter")
        self.assertRegex(output, r"env\.GREETING\s+Environment var")
        self.assertNotIn("hi", output.split("Ready on")[0].split("GREETING")[1].split("\n")[0])
        self.assertRegex(output, rf"Ready on http://127\.0\.0\.1:{server.port}")

    def test_sigint_stops_cleanly(self):
        server = self.serve("counter/wrangler.jsonc")
        server.get("/hit/a")
        self.assertEqual(server.stop(signal.SIGINT), 0)

    def test_version_and_help(self):
        self.assertRegex(run_dohost(["--version"]).stdout, r"^dohost \d+\.\d+\.\d+")
        help_text = run_dohost(["serve", "--help"]).stdout
        for flag in ["--port", "--ip", "--persist-to", "-c"]:
            self.assertIn(flag, help_text)


if __name__ == "__main__":
    unittest.main()
