"""JS RPC and service bindings between Workers of one dohost process."""
import json
import unittest

import os

from harness import WORKERS, DohostTestCase, run_dohost


class ServiceBindings(DohostTestCase):
    @classmethod
    def setUpClass(cls):
        cls.configs = ("rpc-front/wrangler.jsonc", "rpc-back/wrangler.jsonc")

    def call(self, server, path):
        status, _, body = server.get(path)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_rpc_fetch_and_errors_over_service_bindings(self):
        server = self.serve(*self.configs)
        self.assertEqual(self.call(server, "/service-rpc"), {"ok": "hello front from back"})
        self.assertEqual(self.call(server, "/service-fetch"),
                         {"ok": {"status": 200, "header": "back",
                                 "body": "POST /p x-a=A data".replace("x-a=A", "A")}})
        self.assertEqual(self.call(server, "/named-fetch"),
                         {"ok": {"status": 203, "statusText": "Named",
                                 "body": "named GET http://any.host/x"}})
        self.assertEqual(self.call(server, "/plain-one"), {"ok": "one arg back function"})
        self.assertEqual(self.call(server, "/plain-two")["error"]["message"],
                         'Cannot call handler function "two" over RPC because it has the wrong '
                         'number of arguments. A simple function handler can only be called over '
                         'RPC if it has exactly the arguments (arg, env, ctx), where only the '
                         'first argument comes from the client. To support multi-argument RPC '
                         'functions, use class-based syntax (extending WorkerEntrypoint) instead.')
        self.assertTrue(self.call(server, "/plain-no-args")["error"]["message"].startswith(
            'Attempted to call RPC function "one" with the wrong number of arguments.'))
        self.assertEqual(self.call(server, "/reserved"),
                         {"error": {"name": "TypeError", "message":
                                    'The RPC receiver does not implement the method "connectX".'}})
        self.assertEqual(self.call(server, "/relative"),
                         {"error": {"name": "TypeError", "message": "Invalid URL: /relative"}})
        self.assertEqual(self.call(server, "/scheme"),
                         {"error": {"name": "TypeError", "message": "Fetch API cannot load: ws://x/"}})

    def test_a_binding_to_a_worker_not_loaded_fails_at_once(self):
        server = self.serve(*self.configs)
        # No process runs it: RPC rejects, fetch() answers 503, with wrangler dev's words.
        message = 'Worker "rpc-not-loaded" not found. Make sure it is running locally.'
        self.assertEqual(self.call(server, "/not-loaded"),
                         {"error": {"name": "Error", "message": message}})
        self.assertEqual(self.call(server, "/not-loaded-fetch"),
                         {"ok": {"status": 503, "body": message}})
        self.assertIn("env.GONE", server.output())
        self.assertRegex(server.output(), r"rpc-not-loaded \[not connected\]")
        self.assertRegex(server.output(), r"env.BACK .*rpc-back \[connected\]")


class Startup(DohostTestCase):
    def test_a_named_entrypoint_the_target_does_not_export_stops_startup(self):
        result = run_dohost(["serve", "-c", os.path.join(WORKERS, "rpc-bad-entrypoint",
                                                         "wrangler.jsonc"),
                             "-c", os.path.join(WORKERS, "rpc-back", "wrangler.jsonc"),
                             "--port", "0", "--persist-to", self.state])
        self.assertEqual(result.returncode, 1)
        self.assertRegex(result.stderr,
                         r'wrangler.jsonc:\d+:\d+: services\[0\]: Worker "rpc-back" has no '
                         r'entrypoint named "Nope"; export a WorkerEntrypoint class of that name '
                         r'from its main module, or fix "entrypoint"')

    def test_the_banner_reports_workers_that_are_not_loaded(self):
        server = self.serve("rpc-front/wrangler.jsonc", "rpc-back/wrangler.jsonc")
        self.assertIn('Worker "rpc-front": env.GONE is bound to Worker "rpc-not-loaded", which '
                      'no dohost process runs yet; calls through it fail until it starts',
                      server.output())


class RpcValues(DohostTestCase):
    def call(self, server, path):
        status, _, body = server.get(path)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_property_reads_and_clone_errors_match_workerd(self):
        server = self.serve("rpc-front/wrangler.jsonc", "rpc-back/wrangler.jsonc")
        self.assertEqual(self.call(server, "/pipeline-get"), {"ok": 7})
        self.assertEqual(self.call(server, "/null-proto"),
                         {"error": {"name": "DataCloneError", "message":
                                    'Could not serialize object of type "Object". This type does '
                                    'not support serialization.'}})
        self.assertEqual(self.call(server, "/class-instance"),
                         {"error": {"name": "DataCloneError", "message":
                                    'Could not serialize object of type "Thing". This type does '
                                    'not support serialization.'}})
        self.assertEqual(self.call(server, "/symbol"),
                         {"error": {"name": "DataCloneError",
                                    "message": "Symbol(s) could not be cloned."}})
        self.assertEqual(self.call(server, "/dispose"),
                         {"ok": {"keys": ["a"], "type": "function", "enumerable": False,
                                 "text": "Symbol(Symbol.dispose)"}})


class Capabilities(DohostTestCase):
    def test_functions_and_rpc_targets_travel_by_reference(self):
        server = self.serve("rpc-front/wrangler.jsonc", "rpc-back/wrangler.jsonc")
        status, _, body = server.get("/by-reference")
        self.assertEqual(json.loads(body), {"ok": {
            "first": 2, "second": 5, "viaPipeline": 5, "twice": 300, "typeofTally": "function",
            "after": "Error: RPC stub used after being disposed."}})


class Streams(DohostTestCase):
    def test_response_bodies_over_rpc_are_streamed_chunk_by_chunk(self):
        server = self.serve("rpc-front/wrangler.jsonc", "rpc-back/wrangler.jsonc")
        status, _, body = server.get("/streamed")
        self.assertEqual(json.loads(body), {"ok": {"first": "first", "opened": "opened",
                                                   "second": "opened", "done": True}})

    def test_a_request_travels_as_an_argument(self):
        server = self.serve("rpc-front/wrangler.jsonc", "rpc-back/wrangler.jsonc")
        status, _, body = server.get("/request-arg")
        self.assertEqual(json.loads(body), {"ok": {"isRequest": True, "url": "https://x.example/p",
                                                   "method": "PUT", "h": "1", "body": "b"}})


class CompatibilityDates(DohostTestCase):
    maxDiff = None

    def test_enhanced_errors_and_dup_stubs_from_their_dates(self):
        server = self.serve("rpc-modern/wrangler.jsonc")
        status, _, body = server.get("/")
        self.assertEqual(json.loads(body), {
            "quota": {"ctor": "Error", "name": "QuotaError", "message": "over quota",
                      "own": ["code", "durableObjectId", "message", "name", "remote"],
                      "code": 429, "cause": None, "hasObjectId": True},
            "withCause": {"ctor": "Error", "name": "Error", "message": "outer",
                          "own": ["cause", "durableObjectId", "message", "remote"],
                          "code": None, "cause": "RangeError: inner", "hasObjectId": True},
            # A property that cannot be cloned: the legacy form, as workerd does.
            "withFunction": {"ctor": "Error", "name": "Error", "message": "has a function",
                             "own": ["message", "remote"], "code": None, "cause": None,
                             "hasObjectId": False},
            "params": [1, 2, 3]})


class Ordering(DohostTestCase):
    def test_calls_from_one_caller_arrive_in_the_order_they_were_made(self):
        server = self.serve("rpc-front/wrangler.jsonc", "rpc-back/wrangler.jsonc")
        status, _, body = server.get("/order")
        self.assertEqual(json.loads(body), {"ok": list(range(40))})


class Examples(DohostTestCase):
    EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "examples")

    def example(self, *parts):
        return os.path.join(self.EXAMPLES, *parts)

    def test_the_service_binding_example_runs(self):
        server = self.serve(self.example("service-binding", "gateway", "wrangler.jsonc"),
                            self.example("service-binding", "accounts", "wrangler.jsonc"))
        status, _, body = server.get("/user/ann")
        self.assertEqual(json.loads(body), {
            "user": {"name": "ann", "region": "local", "since": "2024-01-01T00:00:00.000Z"},
            "visits": ["ann visit 1", "ann visit 2"]})
        self.assertEqual(server.get("/health")[2], "accounts is up (GET /health)\n")

    def test_the_external_durable_object_example_runs(self):
        server = self.serve(self.example("external-do", "app", "wrangler.jsonc"),
                            self.example("external-do", "counter-host", "wrangler.jsonc"))
        self.assertEqual(json.loads(server.get("/hit/a")[2]), {"name": "a", "count": 1})
        self.assertEqual(json.loads(server.get("/hit/a")[2]), {"name": "a", "count": 2})
        self.assertEqual(server.get("/peek/a")[2], "counter a is at 2\n")
        self.assertRegex(server.output(), r"env.COUNTER .*Counter \(in counter-host\) \[connected\]")
        # The object's data lives with the Worker that defines the class.
        self.assertTrue(os.path.isdir(os.path.join(self.state, "do", "counter-host", "Counter")))


class Limits(DohostTestCase):
    def call(self, server, path):
        status, _, body = server.get(path)
        self.assertEqual(status, 200, body)
        return json.loads(body)["ok"]

    def test_service_binding_invocations_stop_at_32_per_request(self):
        server = self.serve("rpc-front/wrangler.jsonc", "rpc-back/wrangler.jsonc")
        self.assertEqual(self.call(server, "/service-limit"), {
            "ok": 32,
            "last": "Error: Too many service binding invocations by single Worker invocation: "
                    "Cloudflare allows 32 per request; `dohost serve --no-limits` lifts this "
                    "limit."})

    def test_subrequests_stop_at_the_limit_and_no_limits_lifts_both(self):
        server = self.serve("rpc-front/wrangler.jsonc", "rpc-back/wrangler.jsonc",
                            extra=["--subrequest-limit", "3"])
        self.assertEqual(self.call(server, "/subrequest-limit"), [
            0, 1, 2,
            "Error: Too many subrequests by single Worker invocation: Cloudflare allows 3 per "
            "request (Durable Object calls, service binding calls and fetch() count); "
            "`dohost serve --no-limits` lifts this limit."])
        server.stop()
        unlimited = self.serve("rpc-front/wrangler.jsonc", "rpc-back/wrangler.jsonc",
                               extra=["--no-limits", "--subrequest-limit", "3"])
        self.assertEqual(self.call(unlimited, "/subrequest-limit"), [0, 1, 2, 3])
        self.assertEqual(self.call(unlimited, "/service-limit")["ok"], 33)


class StreamsThroughBindings(DohostTestCase):
    """A body or RPC stream the target produces with timers after its handler
    returned keeps flowing: the target's request scope stays open until the
    caller has read the stream."""

    def test_timer_driven_streams_reach_the_caller_whole(self):
        server = self.serve("svc-stream/front/wrangler.jsonc", "svc-stream/back/wrangler.jsonc")
        self.assertEqual(server.get("/timer")[::2], (200, "t1;t2;t3;"))
        self.assertEqual(server.get("/writer")[::2], (200, "w1;w2;w3;"))
        self.assertEqual(server.get("/rpc")[::2], (200, "r1;r2;r3;"))
        self.assertEqual(server.get("/text")[::2], (200, "read: t1;t2;t3;"))


if __name__ == "__main__":
    unittest.main()
