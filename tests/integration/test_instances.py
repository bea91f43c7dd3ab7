"""Durable Object instances: one per ID, the constructor once, the input
gate, blockConcurrencyWhile(), reset after a failure, idle eviction. The
expected orders and messages were recorded by running the `lifecycle`
fixture on workerd 2026-11-23 (" reset" marks an error whose
durableObjectReset is set; none of them has `remote`)."""
import json
import threading
import unittest

from harness import DohostTestCase

BCW_TYPE = ("TypeError: Failed to execute 'blockConcurrencyWhile' on 'DurableObjectState': "
            "parameter 1 is not of type 'function'.")


class InstanceTest(DohostTestCase):
    def fetch_json(self, server, path):
        status, _, body = server.get(path)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_constructor_runs_once_under_concurrent_first_calls(self):
        server = self.serve("lifecycle/wrangler.jsonc")
        self.assertEqual(self.fetch_json(server, "/burst?name=b"),
                         [[1, 1], [1, 2], [1, 3], [1, 4], [1, 5]])
        self.assertEqual(self.fetch_json(server, "/burst?name=b"),
                         [[1, 6], [1, 7], [1, 8], [1, 9], [1, 10]])

    def test_other_events_run_while_one_awaits_io(self):
        server = self.serve("lifecycle/wrangler.jsonc")
        self.assertEqual(self.fetch_json(server, "/interleave"), ["A start", "B", "A end"])

    def test_block_concurrency_while_holds_later_events(self):
        server = self.serve("lifecycle/wrangler.jsonc")
        self.assertEqual(self.fetch_json(server, "/exclusive"), {
            "results": ["A done", "B done"],
            "log": ["enter A", "leave A", "during", "enter B", "leave B", "end"],
        })

    def test_block_holds_the_rpc_results_of_other_events(self):
        server = self.serve("lifecycle/wrangler.jsonc")
        self.assertEqual(self.fetch_json(server, "/exclusiveIo"), {
            "results": ["A done", "B done"],
            "log": ["enter A", "leave A", "during", "io start", "enter B", "leave B", "io end",
                    "end"],
        })

    def test_block_lets_its_own_rpc_results_in_also_when_nested(self):
        server = self.serve("lifecycle/wrangler.jsonc")
        self.assertEqual(self.fetch_json(server, "/blockOnIo"), "outer inner after")

    def test_constructor_block_holds_the_first_events(self):
        server = self.serve("lifecycle/wrangler.jsonc")
        self.assertEqual(self.fetch_json(server, "/ctorBlock"), [["init", "a"], ["init", "a", "b"]])

    def test_block_concurrency_while_callback_starts_in_a_microtask(self):
        server = self.serve("lifecycle/wrangler.jsonc")
        self.assertEqual(self.fetch_json(server, "/order"), [1, 3, 2, "value"])
        self.assertEqual(self.fetch_json(server, "/nested"), "outer(inner)")

    def test_block_concurrency_while_rejects_non_functions(self):
        server = self.serve("lifecycle/wrangler.jsonc")
        self.assertEqual(self.fetch_json(server, "/badArguments"), [BCW_TYPE] * 4)

    def test_failed_block_resets_the_object(self):
        server = self.serve("lifecycle/wrangler.jsonc")
        self.assertEqual(self.fetch_json(server, "/failInBlock"), {
            "failed": {"error": "Error: blockConcurrencyWhile fails reset"},
            "waiting": {"error": "Error: blockConcurrencyWhile fails reset"},
            "after": {"construction": 2, "calls": 1, "log": ["after"]},
        })

    def test_reset_fails_the_events_still_running(self):
        server = self.serve("lifecycle/wrangler.jsonc")
        self.assertEqual(self.fetch_json(server, "/failWhileRunning"), {
            "running": {"error": "Error: blockConcurrencyWhile fails reset"},
            "failed": {"error": "Error: blockConcurrencyWhile fails reset"},
            "freed": True,
        })

    def test_failed_constructor_is_constructed_again_by_the_next_call(self):
        server = self.serve("lifecycle/wrangler.jsonc")
        self.assertEqual(self.fetch_json(server, "/ctorThrows"), {
            "first": {"error": "TypeError: constructor fails once reset"},
            "again": {"construction": 2, "calls": 1, "log": ["c"]},
        })
        self.assertEqual(self.fetch_json(server, "/ctorBlockFails"), {
            "first": [{"error": "RangeError: constructor blockConcurrencyWhile fails once reset"}] * 2,
            "again": {"construction": 2, "calls": 1, "log": ["c"]},
        })

    def test_concurrent_read_modify_write_loses_no_update(self):
        server = self.serve("lifecycle/wrangler.jsonc")
        self.assertEqual(self.fetch_json(server, "/concurrent"), {"distinct": 100, "max": 100})


class EvictionTest(DohostTestCase):
    def serve_short(self):
        return self.serve("lifecycle/wrangler.jsonc", extra=["--do-idle-timeout", "0.1",
                                                             "--verbose"])

    def fetch_json(self, server, path):
        status, _, body = server.get(path)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def evicted(self, server, name):
        hex_id = self.fetch_json(server, f"/hex?name={name}")
        server.wait_for_line(f"debug actor: evict class=Obj id={hex_id} ")
        return hex_id

    def test_idle_object_is_evicted_and_keeps_its_storage(self):
        server = self.serve_short()
        self.assertEqual(self.fetch_json(server, "/remember?name=e&value=7"), 1)
        self.evicted(server, "e")
        self.assertEqual(self.fetch_json(server, "/recall?name=e"),
                         {"construction": 2, "memory": None, "storage": 7})

    def test_object_with_an_event_in_flight_is_not_evicted(self):
        server = self.serve_short()
        held = {}
        thread = threading.Thread(
            target=lambda: held.update(result=self.fetch_json(server, "/holdThrough?name=h")))
        thread.start()
        hex_h = self.fetch_json(server, "/hex?name=h")
        server.wait_for_line("debug actor: construct class=Helper ")
        # Another object, made idle after the held call started, is evicted
        # first: the idle time has passed for both.
        self.fetch_json(server, "/remember?name=other&value=1")
        self.evicted(server, "other")
        self.assertNotIn(f"evict class=Obj id={hex_h}", server.output())
        self.assertTrue(self.fetch_json(server, "/free"))
        thread.join(20)
        self.assertEqual(held["result"], 1)

    def test_pending_timer_defers_eviction(self):
        server = self.serve_short()
        self.assertEqual(self.fetch_json(server, "/arm?name=t&ms=300"), 1)
        self.evicted(server, "t")
        output = server.output()
        # Evicted only once its timer has fired, however long that took.
        self.assertLess(output.index("[lifecycle] timer fired for t"),
                        output.index("debug actor: evict class=Obj"))

    def test_idle_timeout_must_be_positive(self):
        from harness import run_dohost, WORKERS
        import os
        result = run_dohost(["serve", os.path.join(WORKERS, "lifecycle/wrangler.jsonc"),
                             "--do-idle-timeout", "0"])
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("--do-idle-timeout", result.stderr)


if __name__ == "__main__":
    unittest.main()
