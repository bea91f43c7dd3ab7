"""How a Worker's files become modules, as wrangler (esbuild and its default
module rules) makes them, and how load failures are reported."""
import json
import os
import tempfile
import unittest

from harness import DohostTestCase, run_dohost


def write_project(root, files):
    for name, text in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode = "wb" if isinstance(text, bytes) else "w"
        with open(path, mode) as out:
            out.write(text)
    return os.path.join(root, "wrangler.json")


def config(main="src/index.js"):
    return json.dumps({"name": "mods", "main": main, "compatibility_date": "2025-06-01"})


WASM_ADD = bytes.fromhex(
    "0061736d0100000001070160027f7f017f030201000707010361646400000a09010700200020016a0b")


class ModuleRules(DohostTestCase):
    def project(self, files):
        return write_project(tempfile.mkdtemp(dir=self.state), files)

    def test_plain_modules_resolve_like_esbuild_and_load_wranglers_module_types(self):
        path = self.project({
            "wrangler.json": config(),
            "src/index.js": "\n".join([
                'import { x } from "./lib";',
                'import { y } from "./util";',
                'import data from "./data.json";',
                'import text from "./page.html";',
                'import sql from "./q.sql";',
                'import note from "./note.txt";',
                'import bin from "./blob.bin";',
                'import wasm from "./add.wasm";',
                "export default { async fetch() {",
                '  const dyn = await import("./lazy.js");',
                "  const add = new WebAssembly.Instance(wasm).exports.add;",
                "  return Response.json({ x, y, data, text, sql, note,",
                "    bin: [bin instanceof ArrayBuffer, new Uint8Array(bin).join()],",
                "    wasm: add(2, 3), dyn: dyn.lazy });",
                "} };",
            ]),
            "src/lib.js": "export const x = 1;",
            "src/util/index.js": "export const y = 2;",
            "src/data.json": '{"a": [1, "\\u00e9"]}',
            "src/page.html": "<p>\"hi\"</p>\n",
            "src/q.sql": "SELECT 1;\n",
            "src/note.txt": "line\\1\r\n",
            "src/blob.bin": b"\x00\x01\xff",
            "src/add.wasm": WASM_ADD,
            "src/lazy.js": "export const lazy = 'loaded later';",
        })
        server = self.serve(path)
        status, _, body = server.get("/")
        self.assertEqual(status, 200, server.output())
        self.assertEqual(json.loads(body), {
            "x": 1, "y": 2, "data": {"a": [1, "é"]}, "text": '<p>"hi"</p>\n',
            "sql": "SELECT 1;\n", "note": "line\\1\r\n", "bin": [True, "0,1,255"],
            "wasm": 5, "dyn": "loaded later"})

    def test_commonjs_and_text_modules_work_in_a_bundled_project(self):
        path = self.project({
            "wrangler.json": config("src/index.ts"),
            "src/index.ts": "\n".join([
                'import { z } from "./c.cjs";',
                'import page from "./page.html";',
                'import bin from "./sub/blob.bin";',
                "export default { fetch(): Response {",
                "  return Response.json({ z, page, n: new Uint8Array(bin).length }); } };",
            ]),
            "src/c.cjs": 'exports.z = "cjs";',
            "src/page.html": "<b>x</b>",
            "src/sub/blob.bin": b"\x01\x02",
            "src/types.d.ts": 'declare module "*.html" { const t: string; export default t; }',
        })
        server = self.serve(path)
        status, _, body = server.get("/")
        self.assertEqual(status, 200, server.output())
        self.assertEqual(json.loads(body), {"z": "cjs", "page": "<b>x</b>", "n": 2})

    def test_the_configs_text_and_data_rules_apply_plain_and_bundled(self):
        for main in ["src/index.js", "src/index.ts"]:
            path = self.project({
                "wrangler.json": json.dumps({
                    "name": "mods", "main": main, "compatibility_date": "2025-06-01",
                    "rules": [{"type": "Text", "globs": ["**/*.md"]},
                              {"type": "Data", "globs": ["**/*.dat"]}]}),
                main: "\n".join([
                    'import readme from "./README.md";',
                    'import blob from "./sub/x.dat";',
                    "export default { fetch() {",
                    "  return Response.json({ readme, n: new Uint8Array(blob).length }); } };",
                ]),
                "src/README.md": "# Title\n",
                "src/sub/x.dat": b"\x01\x02\x03",
            })
            server = self.serve(path)
            status, _, body = server.get("/")
            self.assertEqual((status, json.loads(body)), (200, {"readme": "# Title\n", "n": 3}),
                             server.output())
            server.stop()

    def test_a_failed_dynamic_import_rejects_with_the_reason(self):
        path = self.project({
            "wrangler.json": config(),
            "src/index.js": "\n".join([
                "export default { async fetch() {",
                '  try { await import("./missing.js"); } catch (e) {',
                "    return new Response(e.message); } } };",
            ]),
        })
        server = self.serve(path)
        self.assertEqual(server.get("/")[2], f'No such module "./missing.js" imported from '
                                             f'{os.path.dirname(path)}/src/index.js')


class StackTraces(DohostTestCase):
    def test_stacks_of_a_bundled_worker_name_the_source_files_and_lines(self):
        root = tempfile.mkdtemp(dir=self.state)
        path = write_project(root, {
            "wrangler.json": config("src/index.ts"),
            "src/helper.ts": "\n".join([
                "// line 1",
                "// line 2",
                "export function helper(n: number): string {",
                '  throw new RangeError("thrown on line 4 of helper.ts " + n);',
                "}",
            ]),
            "src/index.ts": "\n".join([
                'import { helper } from "./helper";',
                "interface Thing { a: number }",
                "export default {",
                "  async fetch(request: Request): Promise<Response> {",
                "    const t: Thing = { a: 1 };",
                '    if (new URL(request.url).pathname === "/stack") {',
                "      try { helper(t.a); } catch (e) { return new Response((e as Error).stack); }",
                "    }",
                '    throw new Error("thrown on line 9 of index.ts");',
                "  },",
                "};",
            ]),
        })
        server = self.serve(path)
        status, _, stack = server.get("/stack")
        self.assertEqual(status, 200)
        self.assertEqual(stack.splitlines()[:3], [
            "RangeError: thrown on line 4 of helper.ts 1",
            f"    at helper ({root}/src/helper.ts:4:9)",
            f"    at Object.fetch ({root}/src/index.ts:7:13)",
        ])
        self.assertEqual(server.get("/")[0], 500)
        server.wait_for_line(r"Error: thrown on line 9 of index\.ts\n    at Object\.fetch \(" +
                             root + r"/src/index\.ts:9:11\)")


class LoadFailures(DohostTestCase):
    def start_error(self, files):
        path = write_project(tempfile.mkdtemp(dir=self.state), files)
        result = run_dohost(["serve", path, "--port", "0", "--persist-to", self.state])
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertNotIn("Fatal error", result.stdout + result.stderr)
        self.output = result.stdout + result.stderr
        return result.stderr

    def test_a_syntax_error_in_an_imported_module_names_its_file_line_and_column(self):
        stderr = self.start_error({
            "wrangler.json": config(),
            "src/index.js": 'import { x } from "./lib.js"; export default { fetch() {} };',
            "src/lib.js": "export const x = ;",
        })
        self.assertIn("src/lib.js:1:18: SyntaxError: Unexpected token ';'", stderr)

    def test_an_error_thrown_at_the_top_level_of_a_module_is_reported_once(self):
        stderr = self.start_error({
            "wrangler.json": config(),
            "src/index.js": 'import { x } from "./lib.js"; export default { fetch() {} };',
            "src/lib.js": 'throw new Error("top-level boom"); export const x = 1;',
        })
        self.assertIn("Error: top-level boom\n    at ", stderr)
        self.assertEqual(self.output.count("top-level boom"), 1, self.output)

    def test_top_level_await_that_never_settles_is_refused_at_startup(self):
        for main, code in [("src/index.js", "await new Promise(() => {});"),
                           ("src/index.ts", "const v: string = await new Promise(() => {});")]:
            stderr = self.start_error({
                "wrangler.json": config(main),
                main: code + "\nexport default { fetch() { return new Response('x'); } };",
            })
            self.assertIn("Uncaught Error: Top-level await in module is unsettled.", stderr)

    def test_a_missing_module_is_named_without_a_fake_location(self):
        stderr = self.start_error({
            "wrangler.json": config(),
            "src/index.js": 'import { V } from "./nothere.js"; export default {};',
        })
        self.assertIn('failed to load: No such module "./nothere.js" imported from ', stderr)
        self.assertNotIn("undefined:0", stderr)


class LocalRequestCf(DohostTestCase):
    def test_front_door_requests_carry_wranglers_local_cf_object(self):
        path = write_project(tempfile.mkdtemp(dir=self.state), {
            "wrangler.json": config(),
            "src/index.js": "\n".join([
                "export default { fetch(request) {",
                "  const cf = request.cf;",
                "  cf.colo = 'changed';",
                "  return Response.json({ keys: Object.keys(cf).length, colo: cf.colo,",
                "    country: cf.country, tls: cf.tlsVersion, asn: cf.asn,",
                "    proto: Object.getPrototypeOf(cf) === Object.prototype,",
                "    score: cf.botManagement.score }); } };",
            ]),
        })
        server = self.serve(path)
        expected = {"keys": 23, "colo": "changed", "country": "US", "tls": "TLSv1.3",
                    "asn": 395747, "proto": True, "score": 99}
        self.assertEqual(json.loads(server.get("/")[2]), expected)
        # Each request gets its own object.
        self.assertEqual(json.loads(server.get("/")[2]), expected)


class DevVars(DohostTestCase):
    def test_dev_vars_are_string_secrets_that_replace_vars_and_are_never_printed(self):
        server = self.serve("dev-vars/wrangler.jsonc")
        self.assertEqual(json.loads(server.get("/")[2]), {
            "API_TOKEN": "s3cr3t-value", "GREETING": "from .dev.vars", "KEPT": {"n": 1},
            "type": "string"})
        output = server.output()
        self.assertIn("Using secrets defined in ", output)
        self.assertRegex(output, r"env\.API_TOKEN +Secret +\(hidden\)")
        self.assertNotIn("s3cr3t-value", output)


if __name__ == "__main__":
    unittest.main()
