"""Streaming bodies through the front door and WebSockets from a Worker, checked against the
values and messages workerd gives for the same Worker (tests/integration/workers/web-io)."""
import http.client
import json
import os
import socket

from harness import DohostTestCase
from wsclient import HandshakeError, WebSocket


def raw_get(port, path, method="GET"):
    """The response bytes exactly as sent, up to the server closing or 5 s of silence."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n".encode())
    data = b""
    try:
        while True:
            more = sock.recv(65536)
            if not more:
                break
            data += more
    except socket.timeout:
        pass
    sock.close()
    return data


class FrontDoorStreaming(DohostTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.serve("web-io/wrangler.jsonc")

    def test_a_stream_body_goes_out_chunked_as_produced_without_the_handlers_length(self):
        self.assertEqual(raw_get(self.server.port, "/stream"),
                         b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                         b"1\r\na\r\n2\r\nbb\r\n3\r\nccc\r\n0\r\n\r\n")

    def test_string_chunks_are_sent_as_text(self):
        self.assertEqual(raw_get(self.server.port, "/string-chunks"),
                         b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                         b"3\r\nstr\r\n0\r\n\r\n")

    def test_a_failing_stream_cuts_the_response_short(self):
        self.assertEqual(raw_get(self.server.port, "/stream-error"),
                         b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                         b"7\r\npartial\r\n")

    def test_a_request_body_is_null_without_length_or_encoding(self):
        # http.client would add Content-Length: 0 to a POST; send it by hand.
        raw = raw_get(self.server.port, "/bodyinfo", method="POST")
        self.assertEqual(json.loads(raw.split(b"\r\n\r\n", 1)[1]), {"bodyNull": True})
        status, _, body = self.server.request("POST", "/bodyinfo", body=b"",
                                              headers={"Content-Length": "0"})
        self.assertEqual(json.loads(body), {"bodyNull": False, "bytes": 0})

    def test_a_large_upload_streams_in_and_echoes_back_unchanged(self):
        payload = os.urandom(3 * 1024 * 1024)
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        connection.request("POST", "/echo-body", body=payload)
        response = connection.getresponse()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Transfer-Encoding"), "chunked")
        self.assertEqual(response.read(), payload)
        connection.close()
        status, _, body = self.server.request("POST", "/bodyinfo", body=payload)
        self.assertEqual(json.loads(body), {"bodyNull": False, "bytes": len(payload)})

    def test_a_chunked_upload_reaches_the_worker(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        connection.request("POST", "/bodyinfo", body=iter([b"abc", b"defg"]),
                           encode_chunked=True)
        self.assertEqual(json.loads(connection.getresponse().read()),
                         {"bodyNull": False, "bytes": 7})
        connection.close()


class WorkerWebSockets(DohostTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.serve("web-io/wrangler.jsonc")

    def connect(self, path, **kwargs):
        ws = WebSocket.connect(self.server.port, path, **kwargs)
        self.addCleanup(ws.close)
        return ws

    def test_upgrade_answers_101_with_the_workers_headers_after_the_handshake_ones(self):
        ws = self.connect("/echo")
        self.assertEqual(ws.status, 101)
        self.assertEqual([name for name, _ in ws.headers],
                         ["Connection", "Upgrade", "Sec-WebSocket-Accept", "x-extra"])
        self.assertEqual(ws.header("x-extra"), "yes")
        self.server.wait_for_line(r"GET /echo 101 Switching Protocols \(\d+ms\)")

    def test_messages_go_both_ways_as_text_and_binary(self):
        ws = self.connect("/echo")
        ws.send_text("hello")
        self.assertEqual(ws.recv(), ("text", "echo:hello"))
        ws.send_binary(b"\x00\x01\x02")
        self.assertEqual(ws.recv(), ("text", '{"binCtor":"ArrayBuffer","len":3}'))
        self.assertEqual(ws.recv(), ("binary", b"\x00\x01\x02"))

    def test_the_server_socket_and_message_event_look_as_on_workerd(self):
        ws = self.connect("/echo")
        ws.send_text("info")
        self.assertEqual(json.loads(ws.recv()[1]), {
            "readyState": 1, "url": None, "protocol": "", "extensions": "",
            "binaryType": "arraybuffer", "evType": "message", "evCtor": "MessageEvent",
            "origin": None, "lastEventId": "", "source": None, "ports": [],
            "bufferedAmount": 0})

    def test_the_worker_chooses_its_close_reply(self):
        ws = self.connect("/echo")
        ws.send_close(1000, "client bye")
        self.assertEqual(ws.recv(), ("close", 1000, "server bye"))
        self.assertTrue(ws.wait_closed())
        # The close event saw the client's code and reason, with readyState CLOSING.
        self.server.wait_for_line(r"\[web-io\] close event 1000 client bye true CloseEvent 2")

    def test_a_close_without_code_reaches_the_worker_as_1005(self):
        ws = self.connect("/echo")
        ws.send_close()
        self.assertEqual(ws.recv(), ("close", 1000, "server bye"))
        self.server.wait_for_line(r"\[web-io\] close event 1005  true CloseEvent 2")

    def test_a_worker_close_then_the_clients_reply_closes_both_ways(self):
        ws = self.connect("/echo")
        ws.send_text("close-me")
        self.assertEqual(ws.recv(), ("close", 4001, "as asked"))
        ws.send_close(4001, "ack")
        self.assertTrue(ws.wait_closed())
        self.server.wait_for_line(r"\[web-io\] close event 4001 ack true CloseEvent 3")

    def test_messages_sent_before_the_response_arrive_first(self):
        ws = self.connect("/server-close-first")
        self.assertEqual(ws.recv(), ("text", "hello"))
        self.assertEqual(ws.recv(), ("close", 1001, "going"))
        ws.send_close(1001, "ok")
        self.server.wait_for_line(r"\[web-io\] server got close 1001 ok")

    def test_a_websocket_to_a_plain_request_is_a_500(self):
        status, _, body = self.server.get("/echo")
        self.assertEqual((status, body), (500, "Internal Server Error"))
        self.server.wait_for_line(
            'TypeError: Worker tried to return a WebSocket in a response to a request which did '
            'not contain the header "Upgrade: websocket".')

    def test_misuse_gives_workerds_errors(self):
        out = json.loads(self.server.get("/errors")[2])
        not_accepted = {"ok": False, "name": "TypeError", "ctor": "TypeError",
                        "message": "You must call one of accept() or state.acceptWebSocket() "
                                   "on this WebSocket before sending messages."}
        self.assertEqual(out["keys"], ["0", "1"])
        self.assertEqual((out["pairCtor"], out["wsCtor"]), ("WebSocketPair", "WebSocket"))
        self.assertEqual(out["statics"], [0, 1, 2, 3, 1])
        self.assertEqual(out["initialState"], 1)
        self.assertEqual(out["sendBeforeAccept"], not_accepted)
        self.assertEqual(out["closeBeforeAccept"], not_accepted)
        self.assertEqual(out["accept2"], {"ok": True, "v": "undefined"})
        for key, code in [("badCode", 999), ("badCode1005", 1005), ("badCode5000", 5000)]:
            self.assertEqual(out[key], {"ok": False, "name": "InvalidAccessError",
                                        "ctor": "DOMException",
                                        "message": f"Invalid WebSocket close code: {code}."})
        self.assertEqual(out["reasonNoCode"]["message"],
                         "If you specify a WebSocket close reason, you must also specify a code.")
        self.assertEqual(out["sendNothing"]["message"],
                         "Failed to execute 'send' on 'WebSocket': parameter 1 is not of type "
                         "'ArrayBuffer or ArrayBufferView or string'.")
        self.assertEqual(out["stateAfterClose"], 2)
        self.assertEqual(out["sendAfterClose"]["message"],
                         "Can't call WebSocket send() after close().")
        self.assertEqual(out["closeTwice"], {"ok": True, "v": "undefined"})
        self.assertEqual(out["resp200ws"], {"ok": False, "name": "RangeError",
                                            "ctor": "RangeError",
                                            "message": "Responses with a WebSocket must have "
                                                       "status code 101."})
        self.assertEqual(out["resp101nows"]["message"],
                         "Responses may only be constructed with status codes in the range 200 "
                         "to 599, inclusive.")
        self.assertEqual(out["resp101body"]["message"],
                         "Response with null body status (101, 204, 205, or 304) cannot have a "
                         "body.")
        self.assertEqual(out["resp101"], {"status": 101, "ws": True, "statusText": ""})
        self.assertEqual(out["badWsType"]["message"],
                         "Incorrect type for the 'webSocket' field on 'InitializerDict': the "
                         "provided value is not of type 'WebSocket'.")
        self.assertEqual(out["newWs"], {"ok": False, "name": "SyntaxError",
                                        "ctor": "DOMException",
                                        "message": "WebSocket Constructor: The url scheme must "
                                                   "be ws or wss."})
        self.assertEqual(out["newWsBad"]["message"], "WebSocket Constructor: The url is invalid.")
        self.assertEqual(out["pairNoNew"]["message"],
                         "Failed to construct 'WebSocketPair': Please use the 'new' operator, "
                         "this object constructor cannot be called as a function.")
        self.assertEqual(out["wsNoNew"]["message"],
                         "Failed to construct 'WebSocket': constructor parameter 1 is not of "
                         "type 'string'.")
        self.assertEqual(out["deser"], {"ok": True, "v": {"a": 1}})

    def test_a_pair_used_inside_one_worker_delivers_asynchronously(self):
        self.assertEqual(json.loads(self.server.get("/local")[2]),
                         ["sent", "1 got ping", "0 got pong", "1 close 1000 done true",
                          "state0 2 state1 2"])

    def test_a_malformed_upgrade_request_is_refused_with_400(self):
        # RFC 6455 4.2.1; wrangler dev refuses both with 400 too.
        upgrade = {"Upgrade": "websocket", "Connection": "Upgrade"}
        status, _, body = self.server.request("GET", "/echo", headers={
            **upgrade, "Sec-WebSocket-Version": "13"})
        self.assertEqual((status, body), (400, "Bad Request: the WebSocket upgrade request has "
                                               "no Sec-WebSocket-Key\n"))
        status, _, body = self.server.request("GET", "/echo", headers={
            **upgrade, "Sec-WebSocket-Version": "8", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
        self.assertEqual((status, body), (400, "Bad Request: the WebSocket upgrade request asks "
                                               "for a version other than 13\n"))
        # The server keeps serving.
        self.assertEqual(self.server.get("/echo")[0], 500)

    def test_an_accepted_end_cannot_be_returned(self):
        status, _, _ = self.server.request("GET", "/return-accepted", headers={
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
        self.assertEqual(status, 500)
        self.server.wait_for_line(
            "TypeError: Can't return WebSocket in a Response after calling accept().")


class AutoReplyToClose(DohostTestCase):
    """From compatibility date 2026-04-07 a Close is echoed at once, as workerd does."""

    def test_a_close_is_answered_with_its_own_code_and_reason(self):
        server = self.serve("web-io-autoreply/wrangler.jsonc")
        ws = WebSocket.connect(server.port, "/echo")
        self.addCleanup(ws.close)
        ws.send_close(1000, "client bye")
        self.assertEqual(ws.recv(), ("close", 1000, "client bye"))
        self.assertTrue(ws.wait_closed())
        # The close event sees readyState CLOSED; the handler's own close() does nothing.
        server.wait_for_line(r"\[web-io-autoreply\] close event 1000 client bye true CloseEvent 3")

    def test_a_close_without_code_is_answered_without_one(self):
        server = self.serve("web-io-autoreply/wrangler.jsonc")
        ws = WebSocket.connect(server.port, "/echo")
        self.addCleanup(ws.close)
        ws.send_close()
        self.assertEqual(ws.recv(), ("close", None, ""))
        server.wait_for_line(r"\[web-io-autoreply\] close event 1005  true CloseEvent 3")
