"""The command line: which config `dohost serve` picks, and its messages when
there is none it can read."""
import os
import tempfile
import unittest

from harness import WORKERS, DohostTestCase, run_dohost


class ConfigChoice(DohostTestCase):
    def test_a_folder_argument_serves_the_config_in_it(self):
        server = self.serve(os.path.join(WORKERS, "plain-graph"))
        self.assertEqual(server.get("/")[2], "SUM 5!")

    def test_a_folder_without_a_config_is_named(self):
        empty = tempfile.mkdtemp(dir=self.state)
        result = run_dohost(["serve", empty, "--port", "0"])
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.strip(),
                         f"dohost: no wrangler.json or wrangler.jsonc in the folder {empty}; pass a "
                         "config file, e.g. dohost serve path/to/wrangler.jsonc")

    def test_only_a_toml_config_says_toml_is_not_read(self):
        folder = tempfile.mkdtemp(dir=self.state)
        with open(os.path.join(folder, "wrangler.toml"), "w") as toml:
            toml.write('name = "x"\nmain = "src/index.js"\n')
        result = run_dohost(["serve", "--port", "0"], cwd=folder)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"found {folder}/wrangler.toml, but dohost reads only wrangler.json and "
                      "wrangler.jsonc, not TOML", result.stderr)

    def test_a_subfolder_finds_the_config_of_its_project(self):
        server = self.serve(cwd=os.path.join(WORKERS, "plain-graph", "src"))
        self.assertEqual(server.get("/")[2], "SUM 5!")

    def test_a_script_given_as_the_config_gets_a_hint(self):
        script = os.path.join(WORKERS, "plain-graph", "src", "index.js")
        result = run_dohost(["serve", script, "--port", "0"])
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{script}: cannot read the config: this is a script, not a config",
                      result.stderr)


class StateFolderLock(DohostTestCase):
    def test_a_second_process_serving_the_same_worker_and_state_is_warned_about(self):
        first = self.serve("plain-graph/wrangler.jsonc")
        second = self.serve("plain-graph/wrangler.jsonc")
        self.assertIn(f'warn state: the state of Worker "plain-graph" in {self.state} is also used '
                      f"by dohost process {first.process.pid}; both write its Durable Objects' "
                      "databases. Give each process its own folder with --persist-to to keep "
                      "them apart", second.output())
        self.assertNotIn("is also used", first.output())
        self.assertEqual(second.get("/")[2], "SUM 5!")
        # Once both have stopped, the state is free again.
        second.stop()
        first.stop()
        self.assertNotIn("is also used", self.serve("plain-graph/wrangler.jsonc").output())

    def test_processes_running_different_workers_may_share_a_state_folder(self):
        self.serve("plain-graph/wrangler.jsonc")
        self.assertEqual(self.serve("dev-vars/wrangler.jsonc").get("/")[0], 200)


if __name__ == "__main__":
    unittest.main()
