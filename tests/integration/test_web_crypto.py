"""crypto and crypto.subtle. The expected answers in
workers/web-crypto/expected.json are workerd's (2026-11-23) for the same
Worker: digests, HMAC, AES-GCM, PBKDF2, HKDF, ECDSA, Ed25519 (with the RFC
8032 vector), key shapes, JWK exports and every error name and message."""
import json
import os
import re
import unittest

from harness import WORKERS, DohostTestCase

with open(os.path.join(WORKERS, "web-crypto", "expected.json"), encoding="utf-8") as f:
    EXPECTED = json.load(f)


class WebCrypto(DohostTestCase):
    def setUp(self):
        super().setUp()
        self.server = self.serve("web-crypto/wrangler.jsonc")

    def check(self, path):
        status, _, body = self.server.get(path)
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        for key, value in EXPECTED[path].items():
            self.assertEqual(got.get(key), value, key)
        self.assertEqual(set(got), set(EXPECTED[path]))

    def test_subtle_crypto_matches_workerd(self):
        self.check("/")

    def test_global_scope_digest_stream_and_timing_safe_equal(self):
        self.check("/extras")


if __name__ == "__main__":
    unittest.main()
