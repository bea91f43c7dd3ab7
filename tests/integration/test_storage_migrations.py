"""Migrations applied to the data on disk, and the in-memory mode."""
import json
import os
import sqlite3
import unittest

from harness import WORKERS, DohostTestCase, run_dohost

CONFIGS = os.path.join(WORKERS, "migrations")


def config(name):
    return os.path.join(CONFIGS, name + ".jsonc")


class Migrations(DohostTestCase):
    def worker_dir(self):
        return os.path.join(self.state, "do", "migrating")

    def worker_files(self):
        """What the Worker's folder holds, SQLite's -wal and -shm files aside."""
        return sorted(name for name in os.listdir(self.worker_dir())
                      if not name.endswith(("-wal", "-shm")))

    def applied(self):
        with sqlite3.connect(os.path.join(self.state, "migrations.sqlite")) as db:
            return db.execute(
                "SELECT tag FROM applied WHERE worker = 'migrating' ORDER BY position").fetchall()

    def alarm_classes(self):
        with sqlite3.connect(os.path.join(self.worker_dir(), "alarms.sqlite")) as db:
            return sorted(row[0] for row in db.execute("SELECT class FROM alarms"))

    def start_v1_with_data(self):
        server = self.serve(config("v1"))
        before = json.loads(server.get("/add?note=kept&name=a")[2])
        self.assertEqual(json.loads(server.get("/put?binding=SCRATCH&value=x")[2]), "x")
        self.assertEqual(server.stop(), 0)
        return before

    def test_a_renamed_class_keeps_its_objects_ids_and_data(self):
        before = self.start_v1_with_data()
        self.assertEqual(self.applied(), [("v1",)])

        server = self.serve(config("v2"))
        after = json.loads(server.get("/list?name=a")[2])
        self.assertEqual(after, {"id": before["id"], "kind": "Hall", "notes": ["kept"]})
        self.assertEqual(self.worker_files(), ["Hall", "Scratch", "alarms.sqlite"])
        self.assertEqual(self.alarm_classes(), ["Hall"])
        self.assertEqual(self.applied(), [("v1",), ("v2",)])

        # Applied once: starting again changes nothing.
        server.stop()
        server.start()
        self.assertEqual(json.loads(server.get("/list?name=a")[2])["notes"], ["kept"])
        self.assertEqual(self.applied(), [("v1",), ("v2",)])

    def test_a_deleted_class_takes_its_data_along(self):
        self.start_v1_with_data()
        server = self.serve(config("v3"))
        self.assertEqual(json.loads(server.get("/list?name=a")[2])["notes"], ["kept"])
        self.assertEqual(self.worker_files(), ["Hall", "alarms.sqlite"])
        self.assertEqual(self.applied(), [("v1",), ("v2",), ("v3",)])

    def test_changing_a_migration_that_ran_is_a_startup_error(self):
        self.start_v1_with_data()
        self.serve(config("v2")).stop()
        result = run_dohost(["serve", config("rewritten"), "--port", "0",
                             "--persist-to", self.state])
        self.assertEqual(result.returncode, 1)
        self.assertEqual(
            result.stderr.strip(),
            f'{config("rewritten")}:13:14: migrations[1].tag: tag "v2-renamed" is not "v2", '
            f"the migration the data in {self.state} went through at this place; migrations "
            'that ran cannot be changed or reordered: put "v2" back here and add new '
            "migrations after the others")

    def test_removing_a_migration_that_ran_is_a_startup_error(self):
        self.start_v1_with_data()
        self.serve(config("v2")).stop()
        result = run_dohost(["serve", config("v1"), "--port", "0", "--persist-to", self.state])
        self.assertEqual(result.returncode, 1)
        self.assertEqual(
            result.stderr.strip(),
            f'{config("v1")}: "migrations": the data in {self.state} was migrated by tag "v2" '
            "(migration 2), which this config does not have; migrations that ran cannot be "
            "taken back: put it back, or serve another folder with --persist-to")

    def test_a_class_dropped_from_the_code_without_a_migration_is_a_startup_error(self):
        result = run_dohost(["serve", config("forgotten"), "--port", "0",
                             "--persist-to", self.state])
        self.assertEqual(result.returncode, 1)
        self.assertIn(
            f'{config("forgotten")}:9:68: migrations[0].new_classes[0]: class "Scratch" is not '
            "exported by src/v3.js, but the migrations keep it; export it again, or delete it "
            "and its objects' data with a new migration "
            '{ "tag": "v3", "deleted_classes": ["Scratch"] }',
            result.stderr)


class InMemory(DohostTestCase):
    def test_data_lives_as_long_as_the_process_and_never_touches_the_disk(self):
        server = self.serve(config("v1"), persist=None, extra=["--in-memory"])
        self.assertEqual(json.loads(server.get("/add?note=one")[2])["notes"], ["one"])
        self.assertEqual(json.loads(server.get("/add?note=two")[2])["notes"], ["one", "two"])
        self.assertEqual(json.loads(server.get("/put?binding=SCRATCH&value=y")[2]), "y")
        # Not even the default folder beside the config.
        self.assertFalse(os.path.exists(os.path.join(CONFIGS, ".dohost")))

        server.stop()
        server.start()
        self.assertEqual(json.loads(server.get("/list")[2])["notes"], [])

    def test_in_memory_and_persist_to_do_not_go_together(self):
        result = run_dohost(["serve", config("v1"), "--in-memory", "--persist-to", self.state])
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("--persist-to excludes --in-memory", result.stderr)


if __name__ == "__main__":
    unittest.main()
