"""Outbound fetch() from a Worker to servers the test starts on 127.0.0.1, over HTTP and HTTPS,
checked against what workerd sends and returns for the same Worker
(tests/integration/workers/web-outbound)."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

from harness import HERE, DohostTestCase

TARGET = os.path.join(HERE, "fetch_target.py")


class Target:
    """fetch_target.py in a process of its own; HTTPS when given a certificate and key."""

    def __init__(self, cert=None, key=None):
        args = [sys.executable, TARGET, "0"] + ([cert, key] if cert else [])
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        stdin=subprocess.DEVNULL, text=True)
        self.port = int(self.process.stdout.readline())
        self.scheme = "https" if cert else "http"

    @property
    def base(self):
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def stop(self):
        self.process.kill()
        self.process.wait()


def make_certificate(folder):
    """A throwaway self-signed certificate for 127.0.0.1 and localhost."""
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


class FetchTestCase(DohostTestCase):
    def setUp(self):
        super().setUp()
        self.target = Target()
        self.addCleanup(self.target.stop)

    def run_case(self, name, target=None):
        server = self.server
        path = f"/?case={name}&target={target or self.target.base}"
        status, _, body = server.get(path)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def echoed(self, name):
        """The request the target received, as it echoed it."""
        result = self.run_case(name)
        self.assertTrue(result["ok"], result)
        return json.loads(result["body"])


class OutboundFetch(FetchTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.serve("web-outbound/wrangler.jsonc")

    def test_a_get_sends_only_host_and_gives_the_response_as_workerd(self):
        result = self.run_case("get")
        self.assertEqual((result["status"], result["statusText"], result["redirected"]),
                         (200, "OK", False))
        self.assertEqual(result["url"], self.target.base + "/echo?x=1")
        self.assertEqual([name for name, _ in result["headers"]],
                         ["content-length", "content-type", "date", "server"])
        self.assertEqual(json.loads(result["body"]), {
            "method": "GET", "path": "/echo?x=1",
            "headers": [["Host", f"127.0.0.1:{self.target.port}"]], "body": ""})

    def test_bodies_go_with_their_length_and_streams_chunked(self):
        host = ["Host", f"127.0.0.1:{self.target.port}"]
        self.assertEqual(self.echoed("post")["headers"],
                         [["Content-Length", "5"], host,
                          ["Content-Type", "text/plain;charset=UTF-8"]])
        self.assertEqual(self.echoed("post")["body"], "hello")
        streamed = self.echoed("stream")
        self.assertEqual(streamed["headers"], [["Transfer-Encoding", "chunked"], host])
        self.assertEqual(streamed["body"], "abcd")
        self.assertEqual(self.echoed("postnobody")["headers"], [["Content-Length", "0"], host])
        self.assertEqual(self.echoed("method"),
                         {"method": "PATCH", "path": "/echo",
                          "headers": [["Content-Length", "0"], host], "body": ""})

    def test_headers_go_in_workerds_order_and_its_names(self):
        headers = self.echoed("hdrorder")["headers"]
        self.assertEqual(headers, [
            ["Content-Length", "1"], ["Host", f"127.0.0.1:{self.target.port}"],
            ["Date", "d"], ["Location", "l"], ["Content-Type", "ct"],
            ["Accept-Encoding", "ae"], ["Accept", "a"], ["Authorization", "z"],
            ["Cookie", "c"], ["User-Agent", "ua"], ["CF-Ray", "r"], ["aa", "2"],
            ["x-mixed-case", "m"], ["zz", "1"]])
        # The URL's host wins over a Host header.
        self.assertEqual(self.echoed("userhost")["headers"][0],
                         ["Host", f"127.0.0.1:{self.target.port}"])

    def test_redirects_follow_workerds_method_rules(self):
        for code, method, body in [("301", "GET", ""), ("302", "GET", ""), ("303", "GET", ""),
                                   ("307", "POST", "x"), ("308", "POST", "x")]:
            result = self.run_case("r" + code)
            self.assertEqual((result["status"], result["redirected"]), (200, True), code)
            self.assertEqual(result["url"], f"{self.target.base}/echo?from={code}")
            echoed = json.loads(result["body"])
            self.assertEqual((echoed["method"], echoed["body"]), (method, body), code)
        # A method changed to GET keeps its Content-Type, as workerd sends it.
        self.assertEqual(json.loads(self.run_case("r302")["body"])["headers"][1],
                         ["Content-Type", "text/plain;charset=UTF-8"])

    def test_manual_redirects_come_back_and_error_is_refused(self):
        result = self.run_case("manual")
        self.assertEqual((result["status"], result["statusText"], result["body"]),
                         (302, "Found", "moved"))
        self.assertIn(["location", "/echo?from=302"], result["headers"])
        self.assertEqual(self.run_case("error")["message"],
                         'Invalid redirect value, must be one of "follow" or "manual" ("error" '
                         "won't be implemented since it does not make sense at the edge; use "
                         '"manual" and check the response status code).')

    def test_twenty_redirects_at_most(self):
        result = self.run_case("loop")
        self.assertEqual(result["name"], "TypeError")
        self.assertEqual(result["message"],
                         "Too many redirects." + ", ".join([self.target.base + "/loop"] * 21))

    def test_a_stream_body_cannot_be_sent_again_after_a_redirect(self):
        result = self.run_case("stream307")
        self.assertEqual(result["name"], "TypeError")
        self.assertEqual(result["message"],
                         "A request with a one-time-use body (it was initialized from a stream, "
                         "not a buffer) encountered a redirect requiring the body to be "
                         "retransmitted. To avoid this error in the future, construct this "
                         "request from a buffer-like body initializer.")

    def test_response_bodies_stream_decode_gzip_and_keep_headers(self):
        self.assertEqual(self.run_case("resbody"),
                         ["Uint8Array:one,", "Uint8Array:two,", "Uint8Array:three"])
        gz = self.run_case("gzip")
        self.assertEqual(gz["body"], "hello gzip")
        self.assertIn(["content-encoding", "gzip"], gz["headers"])
        chunked = self.run_case("chunked")
        self.assertEqual(chunked["body"], "one,two,three")
        self.assertIn(["x-multi", "a, b"], chunked["headers"])
        self.assertEqual([h for h in chunked["headers"] if h[0] == "set-cookie"],
                         [["set-cookie", "a=1"], ["set-cookie", "b=2"]])
        teapot = self.run_case("s418")
        self.assertEqual((teapot["status"], teapot["statusText"], teapot["body"]),
                         (418, "I'm a Teapot", "teapot"))
        self.assertEqual(self.run_case("head")["body"], "")
        self.assertEqual(self.run_case("props"), {
            "type": "default", "url": self.target.base + "/echo", "redirected": False,
            "ws": None, "bodyCtor": "ReadableStream", "ok": True})

    def test_failures_give_workerds_errors(self):
        def error(name, target=None):
            result = self.run_case(name, target)
            return [result["name"], result["message"]]

        self.assertEqual(error("refused"), ["Error", "Network connection lost."])
        self.assertEqual(error("badurl"), ["TypeError", "Invalid URL: not a url"])
        self.assertEqual(error("relative"), ["TypeError", "Invalid URL: /relative"])
        self.assertEqual(error("ftp"), ["TypeError", "Fetch API cannot load: ftp://127.0.0.1/x"])
        self.assertEqual(error("noargs"),
                         ["TypeError", "Failed to execute 'fetch' on 'ServiceWorkerGlobalScope': "
                                       "parameter 1 is not of type 'Request or string'."])
        self.assertEqual(error("used"),
                         ["TypeError", "Cannot reconstruct a Request with a used body."])
        self.assertEqual(error("badmethod"), ["TypeError", "Invalid HTTP method string: CONNECT"])
        self.assertEqual(error("getbody"),
                         ["TypeError", "Request with a GET or HEAD method cannot have a body."])

    def test_aborting_rejects_with_the_signals_reason(self):
        self.assertEqual(self.run_case("abort")["str"], "AbortError: The operation was aborted")
        self.assertEqual(self.run_case("abort")["ctor"], "DOMException")
        self.assertEqual(self.run_case("abortreason")["str"], "Error: mine")
        self.assertEqual(self.run_case("preaborted")["str"],
                         "AbortError: The operation was aborted")
        self.assertEqual(self.run_case("timeout")["str"],
                         "TimeoutError: The operation was aborted due to timeout")


class OutboundWebSocket(FetchTestCase):
    def test_an_upgrade_gives_a_client_websocket(self):
        peer = self.serve("web-io/wrangler.jsonc")
        self.server = self.serve("web-outbound/wrangler.jsonc")
        result = self.run_case("wsclient", f"http://127.0.0.1:{peer.port}")
        self.assertEqual(result["status"], 101)
        self.assertTrue(result["hasWs"])
        self.assertEqual([h[0] for h in result["headers"]],
                         ["connection", "sec-websocket-accept", "upgrade", "x-extra"])
        self.assertEqual(result["got"][0], "echo:hi")
        self.assertEqual(json.loads(result["got"][1])["readyState"], 1)
        # The peer Worker answers the client's close with its own code and reason.
        self.assertEqual(result["closed"], [1000, "server bye"])


class WebSocketConstructor(FetchTestCase):
    """new WebSocket(url), with the values workerd gives (but no compression extension)."""

    def setUp(self):
        super().setUp()
        self.peer = self.serve("web-io/wrangler.jsonc")
        self.server = self.serve("web-outbound/wrangler.jsonc")

    def get(self, path):
        status, _, body = self.server.get(f"{path}?target=http://127.0.0.1:{self.peer.port}")
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_a_connection_opens_talks_and_closes(self):
        out = self.get("/newws")
        self.assertEqual((out["initial"], out["url"], out["protocol"], out["extensions"]),
                         (0, f"ws://127.0.0.1:{self.peer.port}/echo", "", ""))
        self.assertEqual(out["sendEarly"]["message"],
                         "You must call one of accept() or state.acceptWebSocket() on this "
                         "WebSocket before sending messages.")
        self.assertEqual(out["acceptIt"]["message"],
                         "Websockets obtained from the 'new WebSocket()' constructor cannot "
                         "call accept")
        self.assertEqual(out["respond"], {"ok": True, "v": {}})
        self.assertEqual(out["events"], [["open", "Event", 1, None, None],
                                         ["message", "echo:hi"],
                                         ["close", 1000, "server bye", True, 3]])

    def test_a_refused_upgrade_fires_error_then_close(self):
        self.assertEqual(self.get("/newws-fail"), [
            ["error", "Uncaught TypeError: Failed to establish the WebSocket connection: "
                      "expected server to reply with HTTP status code 101 (switching "
                      "protocols), but received 404 instead.",
             "TypeError: Failed to establish the WebSocket connection: expected server to "
             "reply with HTTP status code 101 (switching protocols), but received 404 "
             "instead.", 3],
            ["close", 1006, "Failed to establish websocket connection", False, 3]])

    def test_the_constructor_checks_as_workerd(self):
        out = self.get("/newws-checks")
        syntax = lambda message: {"ok": False, "name": "SyntaxError", "ctor": "DOMException",
                                  "message": "WebSocket Constructor: " + message}
        self.assertEqual(out["frag"], syntax("The url fragment must be empty."))
        self.assertEqual(out["badProto"], syntax("The protocol header token is invalid."))
        self.assertEqual(out["emptyArr"], {"ok": True, "v": {}})
        self.assertEqual(out["badArr"], syntax("One of the protocol header tokens is invalid."))
        self.assertEqual(out["dupArr"],
                         syntax("The protocols header cannot have repeating values."))
        self.assertEqual(out["closeConnecting"], {"ok": True, "v": "undefined"})


def resolved_addresses(host, port):
    try:
        return {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except OSError:
        return set()


class OutboundHttps(FetchTestCase):
    def setUp(self):
        super().setUp()
        self.certs = tempfile.mkdtemp(prefix="dohost-certs-")
        self.addCleanup(shutil.rmtree, self.certs, True)
        cert, key = make_certificate(self.certs)
        self.cert = cert
        self.tls = Target(cert, key)
        self.addCleanup(self.tls.stop)

    def test_a_trusted_certificate_serves_https(self):
        os.environ["DOHOST_EXTRA_CA_CERTS"] = self.cert
        try:
            self.server = self.serve("web-outbound/wrangler.jsonc")
        finally:
            del os.environ["DOHOST_EXTRA_CA_CERTS"]
        result = self.run_case("get", self.tls.base)
        self.assertEqual((result["status"], result["url"]), (200, self.tls.base + "/echo?x=1"))
        # The certificate's DNS name is checked too, where the machine resolves localhost to
        # 127.0.0.1, the only address the test server listens on (a minimal root may have no
        # /etc/hosts at all).
        if "127.0.0.1" in resolved_addresses("localhost", self.tls.port):
            localhost = f"https://localhost:{self.tls.port}"
            self.assertEqual(self.run_case("get", localhost)["status"], 200)

    def test_an_untrusted_certificate_fails_the_handshake(self):
        self.server = self.serve("web-outbound/wrangler.jsonc")
        result = self.run_case("get", self.tls.base)
        self.assertEqual(result["name"], "Error")
        self.assertEqual(result["message"],
                         "Network connection failed: TLS handshake failed: invalid peer "
                         "certificate: self-signed certificate")


if __name__ == "__main__":
    unittest.main()


class OutboundFetchFromADurableObject(FetchTestCase):
    def test_a_durable_object_fetches_as_a_worker_does(self):
        self.server = self.serve("web-hibernation/wrangler.jsonc")
        status, _, body = self.server.get(f"/?target={self.target.base}")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {
            "method": "POST", "path": "/echo?from=object",
            "headers": [["Content-Length", "11"], ["Host", f"127.0.0.1:{self.target.port}"],
                        ["Content-Type", "text/plain;charset=UTF-8"]],
            "body": "object body"})
