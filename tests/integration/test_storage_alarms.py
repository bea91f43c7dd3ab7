"""Alarms: retries, alarms set from alarm(), key-value classes, and alarms that outlive dohost.

The answers for the first three were checked against workerd 2026-11-23 with the same Worker
(workers/alarms). Alarm times are wall-clock times, so these tests wait for them, polling.
"""
import json
import os
import signal
import sqlite3
import time
import unittest

from harness import DohostTestCase


def eventually(probe, timeout=15):
    """Polls probe() until it returns something truthy; returns that."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


class Alarms(DohostTestCase):
    def alarm_state(self, server, name, legacy=False):
        path = f"/state?name={name}" + ("&legacy=1" if legacy else "")
        return json.loads(server.get(path)[2])

    def runs(self, server, name, count, legacy=False):
        """Waits for `count` runs of the alarm and returns the state then."""
        def probe():
            state = self.alarm_state(server, name, legacy)
            return state if len(state["runs"]) >= count else None
        return eventually(probe)

    def test_a_failing_alarm_is_retried_with_its_retry_count(self):
        server = self.serve("alarms/wrangler.jsonc")
        at = json.loads(server.get("/arm?ms=50&plan=fail-once&name=a")[2])
        state = self.runs(server, "a", 2)
        # The first run's writes are kept although it threw, as in workerd.
        self.assertEqual(state["runs"], [
            {"retryCount": 0, "isRetry": False, "scheduledTime": at, "name": "a",
             "alarmNow": None},
            {"retryCount": 1, "isRetry": True, "scheduledTime": at, "name": "a",
             "alarmNow": None},
        ])
        self.assertIsNone(state["alarm"])
        server.wait_for_line(r"\[alarms\] Uncaught \(in alarm\) Error: alarm run 1 fails")

    def test_an_alarm_set_inside_alarm_runs_as_a_first_try(self):
        server = self.serve("alarms/wrangler.jsonc")
        at = json.loads(server.get("/arm?ms=50&plan=again&name=b")[2])
        state = self.runs(server, "b", 2)
        first, second = state["runs"]
        self.assertEqual(first, {"retryCount": 0, "isRetry": False, "scheduledTime": at,
                                 "name": "b", "alarmNow": None})
        self.assertEqual((second["retryCount"], second["isRetry"], second["alarmNow"]),
                         (0, False, None))
        self.assertGreater(second["scheduledTime"], at)
        self.assertIsNone(state["alarm"])

    def test_key_value_classes_have_alarms_too(self):
        server = self.serve("alarms/wrangler.jsonc")
        at = json.loads(server.get("/arm?ms=50&plan=ok&name=c&legacy=1")[2])
        state = self.runs(server, "c", 1, legacy=True)
        self.assertEqual(state["runs"], [{"retryCount": 0, "isRetry": False,
                                          "scheduledTime": at, "name": "c", "alarmNow": None}])
        self.assertIsNone(state["alarm"])

    def test_an_alarm_due_while_dohost_was_down_fires_at_the_next_start(self):
        server = self.serve("alarms/wrangler.jsonc")
        at = json.loads(server.get("/arm?ms=1500&plan=ok&name=d")[2])
        self.assertEqual(server.stop(), 0)
        eventually(lambda: time.time() * 1000 > at + 100, timeout=10)

        server.start()
        state = self.runs(server, "d", 1)
        self.assertEqual(state["runs"][0]["scheduledTime"], at)
        self.assertEqual(state["runs"][0]["name"], "d")
        self.assertIsNone(state["alarm"])

    def test_an_acknowledged_alarm_survives_sigkill(self):
        server = self.serve("alarms/wrangler.jsonc")
        at = json.loads(server.get("/arm?ms=800&plan=ok&name=e")[2])
        server.stop(signal.SIGKILL)

        server.start()
        state = self.runs(server, "e", 1)
        self.assertEqual(state["runs"][0]["scheduledTime"], at)
        self.assertIsNone(state["alarm"])

    def test_delete_all_keeps_the_alarm_before_2026_02_24(self):
        server = self.serve("alarms/wrangler.jsonc")
        at = json.loads(server.get("/arm?ms=3600000&plan=ok&name=f")[2])
        self.assertEqual(json.loads(server.get("/wipe?name=f")[2]), {"runs": [], "alarm": at})

    def test_delete_all_deletes_the_alarm_with_the_flag(self):
        server = self.serve("alarms/wipe-deletes-alarm.jsonc")
        json.loads(server.get("/arm?ms=3600000&plan=ok&name=g")[2])
        self.assertEqual(json.loads(server.get("/wipe?name=g")[2]), {"runs": [], "alarm": None})
        # Gone from the schedule too: nothing is left to fire after a restart.
        server.stop()
        with sqlite3.connect(os.path.join(self.state, "do", "alarms", "alarms.sqlite")) as db:
            self.assertEqual(db.execute("SELECT count(*) FROM alarms").fetchone(), (0,))


if __name__ == "__main__":
    unittest.main()
