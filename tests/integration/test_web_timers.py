"""Timers, microtasks and the small globals, with the values workerd gives
(checked against workerd 2026-11-23 with the same Worker)."""
import json
import unittest

from harness import DohostTestCase

DISALLOWED = ("Disallowed operation called within global scope. Asynchronous I/O "
              "(ex: fetch() or connect()), setting a timeout, and generating random values "
              "are not allowed within global scope. To fix this error, perform this "
              "operation within a handler. "
              "https://developers.cloudflare.com/workers/runtime-apis/handlers/")
ILLEGAL_INVOCATION = ("Illegal invocation: function called with incorrect `this` reference. "
                      "See https://developers.cloudflare.com/workers/observability/errors/"
                      "#illegal-invocation-errors for details.")


def type_error(message):
    return {"error": {"name": "TypeError", "message": message, "ctor": "TypeError"}}


def scope_error(method, kind):
    return type_error(f"Failed to execute '{method}' on 'ServiceWorkerGlobalScope': "
                      f"parameter 1 is not of type '{kind}'.")


def clone_error(message):
    return {"error": {"name": "DataCloneError", "message": message, "ctor": "DOMException"}}


class WebTimers(DohostTestCase):

    def setUp(self):
        super().setUp()
        self.server = self.serve("web-timers/wrangler.jsonc")

    def json(self, path):
        status, _, body = self.server.get(path)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_callbacks_run_by_deadline_with_their_microtasks_in_between(self):
        self.assertEqual(self.json("/order"), [
            "sync", "qm", "promise", "t0", "t0-micro", "t0b", "tneg", "tnan", "t1",
            "t1-micro", "t5"])

    def test_arguments_are_checked_as_workerd_checks_them(self):
        self.assertEqual(self.json("/arguments"), {
            "noFunction": scope_error("setTimeout", "function"),
            "stringCode": scope_error("setTimeout", "function"),
            "intervalNoFunction": scope_error("setInterval", "function"),
            "queueMicrotaskString": scope_error("queueMicrotask", "function"),
            "clearNoArgument": scope_error("clearTimeout", "Number"),
            "clearIntervalNoArgument": scope_error("clearInterval", "Number"),
            "clearOdd": ["undefined"] * 4,
            "bigintDelay": type_error("Cannot convert a BigInt value to a number"),
            "symbolDelay": type_error("Cannot convert a Symbol value to a number"),
            "lengths": [["setTimeout", 0], ["setInterval", 0], ["clearTimeout", 0],
                        ["clearInterval", 0], ["queueMicrotask", 0], ["structuredClone", 0]],
        })

    def test_ids_intervals_and_callback_arguments(self):
        self.assertEqual(self.json("/ids"), {
            "types": ["number", "number"], "increasing": True, "ran": [], "ticks": 3,
            "args": ["x", 2], "thisIsGlobal": True})

    def test_what_a_callback_throws_is_logged_and_the_worker_carries_on(self):
        self.assertEqual(self.server.get("/throwing")[2], "still running")
        self.server.wait_for_line(r"\[web-timers\] Uncaught Error: boom in timer")
        self.server.wait_for_line(r"\[web-timers\] Uncaught TypeError: boom in microtask")
        self.server.wait_for_line(
            r"\[web-timers\] Uncaught \(in promise\) RangeError: nobody handles this")

    def test_globals(self):
        self.assertEqual(self.json("/globals"), {
            "atGlobalScope": {
                "setTimeout": {"name": "Error", "message": DISALLOWED},
                "setInterval": {"name": "Error", "message": DISALLOWED},
                "performanceNow": 0,
                "queueMicrotask": "no error",
            },
            "userAgent": "Cloudflare-Workers",
            "navigator": [["languages", ["en"]], ["language", "en"], ["platform", ""],
                          ["hardwareConcurrency", 1], ["userAgent", "Cloudflare-Workers"]],
            "userAgentDescriptor": {"writable": False, "enumerable": True, "configurable": True},
            "navigatorTag": "[object Navigator]",
            "newNavigator": type_error("Illegal constructor"),
            "sendBeaconNoArgument": type_error(
                "Failed to execute 'sendBeacon' on 'Navigator': parameter 1 is not of type "
                "'string'."),
            "performanceTag": "[object Performance]",
            "performanceKeys": ["timeOrigin", "now"],
            "timeOrigin": 0,
            "nowIsDateNow": True,
            "nowWrongThis": type_error(ILLEGAL_INVOCATION),
            "schedulerTag": "[object Scheduler]",
            "schedulerKeys": ["wait"],
            "selfIsGlobal": True,
        })

    def test_scheduler_wait(self):
        self.assertEqual(self.json("/scheduler"), {
            "value": "undefined", "waited": True,
            "aborted": ["AbortError", "The operation was aborted"],
            "early": ["object", "Error", "why", "Error: why"],
            "byTimeout": ["TimeoutError", "The operation was aborted due to timeout"]})

    def test_structured_clone(self):
        self.assertEqual(self.json("/clone"), {
            "cycle": True,
            "deep": [0, True, True],
            "transfer": [0, 3, [5, 6, 7]],
            "sharedIsShared": 9,
            "error": ["RangeError", "r", True, "c"],
            "function": clone_error("() => 1 could not be cloned."),
            "symbol": clone_error("Symbol(s) could not be cloned."),
            "weakMap": clone_error("#<WeakMap> could not be cloned."),
            "notTransferable": clone_error("Object is not transferable."),
            "transferNotArray": type_error(
                "Incorrect type for the 'transfer' field on 'StructuredCloneOptions': the "
                "provided value is not of type 'Array'."),
            "optionsNotObject": type_error(
                "Failed to execute 'structuredClone' on 'ServiceWorkerGlobalScope': parameter 2 "
                "is not of type 'StructuredCloneOptions'."),
            "optionsNull": 1,
            "noArgument": scope_error("structuredClone", "Value"),
            "dataCloneErrorCode": [True, 25],
        })

    def test_structured_clone_of_built_in_objects(self):
        refused = lambda name: clone_error(
            f'Could not serialize object of type "{name}". This type does not support '
            'serialization.')
        stream = clone_error("ReadableStream can only be serialized for RPC.")
        self.assertEqual(self.json("/clone-host"), {
            "url": refused("URL"), "usp": refused("URLSearchParams"), "response": stream,
            "file": refused("File"), "formData": refused("FormData"),
            "signal": clone_error("AbortSignal serialization is not enabled."),
            "event": refused("Event"), "stream": stream, "encoder": refused("TextEncoder"),
            "key": refused("CryptoKey"),
            "headers": ["[object Headers]", [["a", "1"]]],
            "blob": ["a/b", "xy"],
            "domException": ["AbortError", "m", 20, True],
            "request": ["DELETE", "http://x/"],
            "nested": [True, True, True, True, [["b", "2"]], "n", [1, "TimeoutError", 3], 5],
        })

    def test_execution_context(self):
        context = self.json("/context")
        self.assertEqual(context["tag"], "[object ExecutionContext]")
        self.assertEqual(context["methods"],
                         ["waitUntil", "passThroughOnException", "mapVirtualHost", "abort"])
        self.assertEqual(context["props"], {})
        self.assertEqual(context["waitUntilNoArgument"], type_error(
            "Failed to execute 'waitUntil' on 'ExecutionContext': parameter 1 is not of type "
            "'Promise'."))
        self.assertEqual(context["waitUntilValue"], "undefined")
        self.assertEqual(context["passThrough"], "undefined")
        self.assertEqual(context["wrongThis"], type_error(ILLEGAL_INVOCATION))

    def test_a_finished_request_cancels_its_timers_unless_wait_until_keeps_it(self):
        self.assertEqual(self.server.get("/leave-timer")[2], "left")
        self.assertEqual(self.server.get("/wait-until")[2], "waiting")
        # /fired waits past both requests' timers (its own is due later).
        self.assertEqual(self.json("/fired"), ["timer beside waitUntil", "kept by waitUntil"])
        self.server.wait_for_line(
            r"\[web-timers\] Uncaught \(in promise\) Error: waitUntil rejected")

    def test_send_beacon_posts_after_the_response(self):
        self.assertEqual(self.json("/beacon"), True)
        self.server.wait_for_line(r"POST /beacon-sink 200")
        self.assertEqual(self.json("/fired?after=0"), ["beacon POST ping"])

    def test_durable_object_timers_outlive_the_call_that_set_them(self):
        self.assertEqual(self.server.get("/do-arm?label=a")[2], "armed")
        self.assertEqual(self.json("/do-fired"), ["a"])
        self.assertEqual(self.json("/do-order"),
                         ["sync", "qm", "t0", "t0-micro", "t1", "t1-micro", "t5"])


if __name__ == "__main__":
    unittest.main()
