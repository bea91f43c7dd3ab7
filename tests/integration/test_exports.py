"""ctx.exports: a Durable Object class declared in migrations but named by
no binding is reachable through ctx.exports, from the compatibility date
workerd turns it on (2025-11-17) or with enable_ctx_exports. Shapes
checked against workerd 2026-11-23."""
import json
import unittest

from harness import DohostTestCase


class CtxExportsTest(DohostTestCase):
    def fetch_json(self, server):
        status, _, body = server.get("/")
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_unbound_class_is_reachable_through_ctx_exports(self):
        got = self.fetch_json(self.serve("exports/wrangler.jsonc"))
        self.assertEqual(got, {
            "keys": ["Hidden", "Thing"],
            "same": True,
            "constructor": "LoopbackDurableObjectNamespace",
            "tag": "[object LoopbackDurableObjectNamespace]",
            "sameIdsAsEnv": True,
            "fromFetch": "h 1",
            "fromInside": "h 2",
            "euFromExports": "h 1",
        })

    def test_ctx_exports_is_off_before_its_compatibility_date(self):
        got = self.fetch_json(self.serve("exports/old-date.jsonc"))
        self.assertEqual(got, {"exports": "undefined"})

    def test_enable_ctx_exports_turns_it_on(self):
        got = self.fetch_json(self.serve("exports/old-date-with-flag.jsonc"))
        self.assertEqual(got["fromFetch"], "h 1")


if __name__ == "__main__":
    unittest.main()
