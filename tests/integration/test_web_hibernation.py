"""The Durable Object hibernation API's checks and values, as workerd gives them for the same
Durable Object (tests/integration/workers/web-hibernation)."""
import json

from harness import DohostTestCase
from wsclient import WebSocket


class HibernationApi(DohostTestCase):
    def test_checks_and_values_match_workerd(self):
        server = self.serve("web-hibernation/wrangler.jsonc")
        out = json.loads(server.get("/")[2])

        def error(name, message):
            return {"ok": False, "name": name, "ctor": name, "message": message}

        already = "Cannot call `acceptWebSocket()` if the WebSocket was already accepted via " \
                  "`accept()`"
        self.assertEqual(out["afterAccept"], error("Error", already))
        self.assertEqual(out["acceptTwice"], error("Error", already))
        self.assertEqual(out["tooManyTags"],
                         error("Error", "a Hibernatable WebSocket cannot have more than 10 tags"))
        self.assertEqual(out["longTag"], error(
            "Error", '"' + "x" * 257 + '" is longer than the max tag length (256 characters).'))
        self.assertEqual(out["notWs"], error(
            "TypeError", "Failed to execute 'acceptWebSocket' on 'DurableObjectState': "
                         "parameter 1 is not of type 'WebSocket'."))
        self.assertEqual(out["ok"], {"ok": True, "v": "undefined"})
        self.assertEqual(out["tags"], {"ok": True, "v": ["t1", "t2"]})
        self.assertEqual(out["getTagsOther"], error(
            "Error", "you must call 'acceptWebSocket()' before attempting to access the tags of "
                     "a WebSocket."))
        self.assertEqual((out["count"], out["countT1"], out["countNone"]), (1, 1, 0))
        self.assertEqual(out["acceptAfterHib"], error(
            "TypeError", "Can't accept() WebSocket after enabling hibernation."))
        self.assertEqual(out["stateHib"], 1)
        self.assertEqual(out["sendHib"], {"ok": True, "v": "undefined"})
        self.assertIsNone(out["autoNone"])
        self.assertEqual(out["pairNoNew"], error(
            "TypeError", "Failed to construct 'WebSocketRequestResponsePair': Please use the "
                         "'new' operator, this object constructor cannot be called as a "
                         "function."))
        self.assertEqual(out["pair"], ["ping", "pong", "WebSocketRequestResponsePair"])
        self.assertEqual(out["setBadType"], error(
            "TypeError", "Failed to execute 'setWebSocketAutoResponse' on 'DurableObjectState': "
                         "parameter 1 is not of type 'WebSocketRequestResponsePair'."))
        self.assertEqual(out["setBig"], error(
            "RangeError", "Request cannot be larger than 2048 bytes. A request of size 2049 was "
                          "provided."))
        self.assertEqual(out["setBigResp"], error(
            "RangeError", "Response cannot be larger than 2048 bytes. A response of size 2049 "
                          "was provided."))
        self.assertEqual(out["autoGot"], ["ping", "pong", False])
        self.assertIsNone(out["ts"])
        self.assertIsNone(out["autoAfterClear"])
        self.assertIsNone(out["attachNone"])
        self.assertEqual(out["attachBig"], error(
            "Error", "A WebSocket 'attachment' cannot be larger than 16384 bytes.'attachment' "
                     "was 20006 bytes."))
        self.assertEqual(out["returnHib"], {"ok": True, "v": "constructed"})


class DurableObjectWebSocket(DohostTestCase):
    def test_a_durable_object_answers_an_upgrade_through_stub_fetch(self):
        server = self.serve("web-hibernation/wrangler.jsonc")
        ws = WebSocket.connect(server.port, "/plain")
        self.addCleanup(ws.close)
        self.assertEqual(ws.status, 101)
        ws.send_text("hi")
        self.assertEqual(ws.recv(), ("text", "object got hi"))
        ws.send_close(4000, "done")
        self.assertEqual(ws.recv(), ("close", 4000, "object closing"))
