"""ECMAScript built-ins newer than V8 10.2 and the Node.js modules of
nodejs_compat (runtime/compat/, runtime/node/). Every expected.json is what
workerd (2026-11-23) answers for the same Worker and flags."""
import json
import os
import unittest

from harness import WORKERS, DohostTestCase, run_dohost


def expected(name):
    with open(os.path.join(WORKERS, name, "expected.json"), encoding="utf-8") as f:
        return json.load(f)


class CompatTestCase(DohostTestCase):
    def answer(self, config):
        server = self.serve(config)
        status, _, body = server.get("/")
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def assert_same(self, got, want):
        for key, value in want.items():
            self.assertEqual(got.get(key), value, key)
        self.assertEqual(set(got), set(want))


class ModernBuiltins(CompatTestCase):
    def test_values_shapes_and_error_types_match_workerd(self):
        self.assert_same(self.answer("compat-builtins/wrangler.jsonc"),
                         expected("compat-builtins"))

    def test_bundled_syntax_newer_than_the_engine(self):
        got = self.answer("compat-syntax/wrangler.jsonc")
        # workerd (the same Worker, bundled by wrangler) answers the same log
        # and greeting, and "true" for the v flag.
        self.assertEqual(got["log"], ["body", "disposed"])
        self.assertEqual(got["greeting"], "decorated:hello")
        self.assertEqual(got["vFlag"], "SyntaxError")

class NodeCompat(CompatTestCase):
    def test_node_modules_match_workerd(self):
        self.assert_same(self.answer("compat-node/wrangler.jsonc"), expected("compat-node"))

    def test_flags_and_dates_choose_globals_env_and_async_hooks(self):
        modes = expected("compat-node-modes")
        for mode in ("als", "old", "v2", "noenv"):
            with self.subTest(mode=mode):
                got = self.answer(f"compat-node-modes/{mode}.jsonc")
                self.assert_same(got, modes[mode])

    def test_commonjs_require_of_node_modules_in_a_bundle(self):
        got = self.answer("compat-node-require/wrangler.jsonc")
        # workerd, running wrangler's bundle of the same Worker:
        self.assertEqual(got["described"], {
            "hex": "68c3a96c6c6f",
            "sha1": "35b5ea45c5e41f78b46a937cc74d41dfea920890",
            "shown": "héllo has 6 bytes",
        })
        # wrangler substitutes a polyfill for node:fs; dohost names the gap.
        self.assertEqual(got["fs"], 'Error: No such module "node:fs": dohost does not provide '
                                    'this Node.js module yet (nodejs_compat); see '
                                    'docs/compatibility.md')

    def test_node_streams_match_workerd(self):
        # workerd's answer for the same Worker:
        self.assertEqual(self.answer("compat-node-stream/wrangler.jsonc"), {
            "got": ["A", "B", "C"], "viaCallback": ["X", "Y"], "consumed": "hello",
            "objects": [10, 20], "errored": "bad read", "isStream": True,
            "keys": ["function"] * 9,
        })

    def load_error(self, config):
        result = run_dohost(["serve", os.path.join(WORKERS, "compat-node-errors", config),
                             "--port", "0", "--persist-to", self.state,
                             "--registry", self.registry])
        self.assertNotEqual(result.returncode, 0)
        return result.stdout + result.stderr

    def test_node_module_without_the_flag_is_no_such_module(self):
        # workerd: Uncaught Error: No such module "node:buffer".
        self.assertIn('No such module "node:buffer" imported from ', self.load_error("off.jsonc"))

    def test_module_dohost_lacks_is_named_in_the_error(self):
        self.assertIn('Error: No such module "node:net": dohost does not provide this '
                      'Node.js module yet (nodejs_compat); see docs/compatibility.md',
                      self.load_error("missing.jsonc"))


if __name__ == "__main__":
    unittest.main()
