"""Streams and bodies as streams. The expected answers in
workers/web-streams/expected.json are workerd's (2026-11-23) for the same
Worker."""
import gzip
import json
import os
import unittest

from harness import WORKERS, DohostTestCase

with open(os.path.join(WORKERS, "web-streams", "expected.json"), encoding="utf-8") as f:
    EXPECTED = json.load(f)


class WebStreams(DohostTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.serve("web-streams/wrangler.jsonc")

    def check(self, path):
        status, _, body = self.server.get(path)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), EXPECTED[path])

    def test_readable_writable_transform_tee_and_encoding_streams(self):
        self.check("/basics")

    def test_byob_reader_on_a_body(self):
        self.check("/byob")

    def test_error_messages(self):
        self.check("/errors")

    def test_gzip_deflate_and_deflate_raw(self):
        self.check("/compression")

    def test_bodies_are_streams(self):
        self.check("/bodies")

    def test_a_body_written_after_the_handler_returned(self):
        status, headers, body = self.server.get("/streamed")
        self.assertEqual((status, body), (200, EXPECTED["/streamed"]))

    def test_request_body_piped_through_compression(self):
        import http.client
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=20)
        try:
            connection.request("POST", "/gzip-echo", body=b"squeeze me " * 100)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        self.assertEqual(response.status, 200)
        self.assertEqual(gzip.decompress(data), b"squeeze me " * 100)


if __name__ == "__main__":
    unittest.main()
