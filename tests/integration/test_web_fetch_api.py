"""Blob, File, FormData, events, AbortSignal, URLPattern and the bodies built
on them. Expected answers (workers/web-fetch/expected.json,
workers/web-events/expected.json) are workerd's (2026-11-23) for the same
Workers."""
import http.client
import json
import os
import re
import unittest

from harness import WORKERS, DohostTestCase


def expected(name):
    with open(os.path.join(WORKERS, name, "expected.json"), encoding="utf-8") as f:
        return json.load(f)


class WebFetchApi(DohostTestCase):
    EXPECTED = expected("web-fetch")

    def setUp(self):
        super().setUp()
        self.server = self.serve("web-fetch/wrangler.jsonc")

    def check(self, path):
        status, _, body = self.server.get(path)
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        for key, value in self.EXPECTED[path].items():
            self.assertEqual(got.get(key), value, key)

    def test_blob_and_file(self):
        self.check("/blobs")

    def test_form_data(self):
        self.check("/forms")

    def test_bodies_from_and_to_every_type(self):
        self.check("/bodies")

    def test_legacy_multi_byte_encodings_decode_through_icu(self):
        self.check("/legacy-encodings")

    def test_url_pattern(self):
        self.check("/patterns")

    def test_a_multipart_upload_is_parsed_by_form_data(self):
        body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n"
                b"--XyZ\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n"
                b"Content-Type: text/plain\r\n\r\nfile body\r\n--XyZ--\r\n")
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=20)
        try:
            connection.request("POST", "/echo-form", body=body,
                               headers={"Content-Type": "multipart/form-data; boundary=XyZ"})
            response = connection.getresponse()
            data = json.loads(response.read())
        finally:
            connection.close()
        self.assertEqual(data, [["title", "hello"], ["doc", ["a.txt", "text/plain", "file body"]]])


class WebFetchEdges(DohostTestCase):
    EXPECTED = expected("web-fetch-edges")

    def test_request_response_and_headers_edge_cases(self):
        server = self.serve("web-fetch-edges/wrangler.jsonc")
        status, _, body = server.get("/x")
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        for key, value in self.EXPECTED["/x"].items():
            self.assertEqual(got.get(key), value, key)


class WebConsole(DohostTestCase):
    def test_built_in_objects_print_as_workerd_prints_them(self):
        server = self.serve("web-fetch/wrangler.jsonc")
        self.assertEqual(server.get("/console")[2], "logged")
        for line in [
            "[web-fetch] blob Blob { size: 3, type: 'text/plain' }",
            "[web-fetch] file File { name: 'a.txt', lastModified: 5, size: 1, type: '' }",
            "[web-fetch] form FormData(1) { 'a' => '1' }",
            "[web-fetch] signal AbortSignal { aborted: false, reason: undefined, onabort: null }",
            "[web-fetch] crypto Crypto { subtle: SubtleCrypto {} }",
            "[web-fetch] perf Performance { timeOrigin: 0 }",
            "  [length]: 5n",
        ]:
            server.wait_for_line("(?m)^" + re.escape(line) + "$")
        # Stacks list the Worker's own frames only, as on workerd.
        server.wait_for_line(r"TypeError: Cannot read properties of null \(reading 'boom'\)")
        output = server.output()
        self.assertIn("at Object.fetch (", output)
        self.assertNotIn("dohost:runtime", output)


class WebEvents(DohostTestCase):
    EXPECTED = expected("web-events")

    def test_events_and_abort_signals(self):
        server = self.serve("web-events/wrangler.jsonc")
        status, _, body = server.get("/")
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        for key, value in self.EXPECTED["/"].items():
            self.assertEqual(got.get(key), value, key)


class WebGlobalEvents(DohostTestCase):
    def test_unhandled_rejections_reach_global_listeners_and_are_not_logged(self):
        server = self.serve("web-events/wrangler.jsonc")
        status, _, body = server.get("/rejections")
        self.assertEqual(json.loads(body), {
            "rejections": [["PromiseRejectionEvent", "unhandledrejection", "nobody", True, False],
                           ["rejectionhandled", True]],
            "dispatch": True})
        self.assertNotIn("Uncaught (in promise)", server.output())

    def test_cache_api_behaves_as_workerd_without_a_cache(self):
        server = self.serve("web-events/wrangler.jsonc")
        not_configured = {"error": {"name": "Error", "message": "No Cache was configured"}}
        self.assertEqual(json.loads(server.get("/caches")[2]), {
            "tags": ["[object CacheStorage]", "[object Cache]", "[object Cache]"],
            "match": not_configured, "put": not_configured, "delete": not_configured,
            "has": {"error": {"name": "Error", "message":
                              "Failed to execute 'has' on 'CacheStorage': the method is not "
                              "implemented."}},
            "rewriter": {"error": {"name": "Error",
                                   "message": "HTMLRewriter is not implemented in dohost."}},
        })


if __name__ == "__main__":
    unittest.main()
