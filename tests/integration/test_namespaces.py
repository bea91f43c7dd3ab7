"""Durable Object namespaces and IDs: argument handling, ID shape, ctx.id,
jurisdictions and location hints. The expected values for everything
workerd implements were recorded by running the same Worker on workerd
2026-11-23 (the `ids` fixture with uniqueKey "ids-<Class>");
jurisdictions are dohost's own (workerd refuses them locally)."""
import json
import os
import re
import unittest

from harness import DohostTestCase

# workerd's answers for the `arguments` route, word for word.
WORKERD_ARGUMENTS = {
    "idFromNameMissing": {"error": "TypeError: Failed to execute 'idFromName' on 'DurableObjectNamespace': parameter 1 is not of type 'string'."},
    "idFromNameUndefined": {"ok": "undefined"},
    "idFromNameNull": {"ok": "null"},
    "idFromNameSymbol": {"error": "TypeError: Cannot convert a Symbol value to a string"},
    "idFromNameObject": {"ok": "[object Object]"},
    "idFromNameBigInt": {"ok": "10"},
    "idFromStringMissing": {"error": "TypeError: Failed to execute 'idFromString' on 'DurableObjectNamespace': parameter 1 is not of type 'string'."},
    "idFromStringUndefined": {"error": "TypeError: Invalid Durable Object ID: must be 64 hex digits"},
    "idFromStringSymbol": {"error": "TypeError: Cannot convert a Symbol value to a string"},
    "idFromStringOtherNamespace": {"error": "TypeError: Durable Object ID is not valid for this namespace."},
    "idFromStringOtherBinding": {"ok": True},
    "newUniqueIdString": {"error": "TypeError: Failed to execute 'newUniqueId' on 'DurableObjectNamespace': parameter 1 is not of type 'NewUniqueIdOptions'."},
    "newUniqueIdNumber": {"error": "TypeError: Failed to execute 'newUniqueId' on 'DurableObjectNamespace': parameter 1 is not of type 'NewUniqueIdOptions'."},
    "newUniqueIdNull": {"ok": "DurableObjectId"},
    "newUniqueIdArray": {"ok": "DurableObjectId"},
    "newUniqueIdNullJurisdiction": {"ok": "DurableObjectId"},
    "getMissing": {"error": "TypeError: Failed to execute 'get' on 'DurableObjectNamespace': parameter 1 is not of type 'DurableObjectId'."},
    "getString": {"error": "TypeError: Failed to execute 'get' on 'DurableObjectNamespace': parameter 1 is not of type 'DurableObjectId'."},
    "getStringOptions": {"error": "TypeError: Failed to execute 'get' on 'DurableObjectNamespace': parameter 2 is not of type 'GetDurableObjectOptions'."},
    "getNumberOptions": {"error": "TypeError: Failed to execute 'get' on 'DurableObjectNamespace': parameter 2 is not of type 'GetDurableObjectOptions'."},
    "getArrayOptions": {"ok": "stub"},
    "getSymbolHint": {"error": "TypeError: Cannot convert a Symbol value to a string"},
    "getNullRoutingMode": {"error": "RangeError: unknown routingMode: null"},
    "getPrimaryOnly": {"ok": "stub"},
    "getOtherNamespaceId": {"ok": "stub"},
    "getByNameMissing": {"error": "TypeError: Failed to execute 'getByName' on 'DurableObjectNamespace': parameter 1 is not of type 'string'."},
    "getByNameUndefined": {"ok": "undefined"},
    "getByNameNumber": {"ok": "5"},
    "getByNameStringOptions": {"error": "TypeError: Failed to execute 'getByName' on 'DurableObjectNamespace': parameter 2 is not of type 'GetDurableObjectOptions'."},
    "getByNameBogusRouting": {"error": "RangeError: unknown routingMode: nearest"},
    "equalsString": {"error": "TypeError: Failed to execute 'equals' on 'DurableObjectId': parameter 1 is not of type 'DurableObjectId'."},
    "equalsMissing": {"error": "TypeError: Failed to execute 'equals' on 'DurableObjectId': parameter 1 is not of type 'DurableObjectId'."},
    "equalsOtherNamespace": {"ok": False},
    "equalsOtherBinding": {"ok": True},
    "newId": {"error": "TypeError: Illegal constructor"},
    "newNamespace": {"error": "TypeError: Illegal constructor"},
}

# workerd's answers for the `shape` route. "hex" is idFromName("x") in a
# namespace whose uniqueKey is "ids-Thing": dohost makes the same IDs.
WORKERD_SHAPE = {
    "hex": "bacd30d043f131e38925462464b89b24e180e491663837b2ac513338eea62907",
    "upper": True,
    "keys": ["jurisdiction", "name"],
    "json": "{\"name\":\"x\"}",
    "uniqueJson": "{}",
    "idPrototype": ["constructor", "equals", "toString"],
    "idTag": "[object DurableObjectId]",
    "nameDescriptor": [False, True, True],
    "assigned": "TypeError: Cannot assign to read only property 'name' of object '[object DurableObjectId]'",
    "nsConstructor": "DurableObjectNamespace",
    "nsKeys": [],
    "nsPrototype": ["constructor", "get", "getByName", "idFromName", "idFromString", "jurisdiction", "newUniqueId"],
    "nsTag": "[object DurableObjectNamespace]",
    "globals": ["undefined", "undefined"],
}

UNKNOWN = ('TypeError: Unknown Durable Object jurisdiction "{}"; the valid jurisdictions are '
           '"eu", "fedramp", "fedramp-high" and "us".')
GET_MISMATCH = ("TypeError: get called on jurisdictional subnamespace with an ID from a "
                "different jurisdiction")


class NamespaceTest(DohostTestCase):
    def fetch_json(self, server, path):
        status, _, body = server.get(path)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_arguments_are_checked_as_workerd_checks_them(self):
        server = self.serve("namespaces/wrangler.jsonc")
        got = self.fetch_json(server, "/arguments")
        for key, expected in WORKERD_ARGUMENTS.items():
            with self.subTest(key):
                self.assertEqual(got[key], expected)

    def test_ids_and_namespaces_have_workerd_shape(self):
        server = self.serve("namespaces/wrangler.jsonc")
        self.assertEqual(self.fetch_json(server, "/shape"), WORKERD_SHAPE)

    def test_ctx_id_matches_the_id_the_caller_used(self):
        server = self.serve("namespaces/wrangler.jsonc")
        got = self.fetch_json(server, "/inside")
        self.assertEqual(got["byName"]["name"], "inside")
        self.assertEqual(got["byName"]["jurisdiction"], "<undefined>")
        self.assertEqual(got["byName"]["keys"], ["jurisdiction", "name"])
        self.assertEqual(got["byName"]["json"], '{"name":"inside"}')
        self.assertEqual(got["byName"]["constructor"], "DurableObjectId")
        self.assertEqual(got["unique"]["name"], "<undefined>")
        self.assertEqual(got["unique"]["json"], "{}")
        self.assertRegex(got["unique"]["hex"], "^[0-9a-f]{64}$")
        # The live instance keeps the name it was first reached with.
        self.assertEqual(got["viaString"], got["byName"])
        # Two bindings to one class reach the same objects.
        self.assertEqual(got["sharedByTwoBindings"], [1, 2])

    def test_jurisdictions(self):
        server = self.serve("namespaces/wrangler.jsonc")
        got = self.fetch_json(server, "/jurisdictions")
        self.assertEqual(got, {
            "euJurisdiction": "eu",
            "euName": "room",
            "euKeys": ["jurisdiction", "name"],
            "euJson": '{"jurisdiction":"eu","name":"room"}',
            "plainJurisdiction": "<undefined>",
            "differ": True,
            "equals": False,
            "deterministic": True,
            "euNamespace": "DurableObjectNamespace",
            "subnamespaceOfUndefined": "<undefined>",
            "subnamespaceRepeat": "eu",
            "subnamespaceChange": {"error": 'TypeError: jurisdiction("fedramp") called on a '
                                            'subnamespace that is already restricted to the '
                                            '"eu" jurisdiction'},
            "fedrampHigh": "fedramp-high",
            "us": "us",
            "bogus": {"error": UNKNOWN.format("mars")},
            "uppercase": {"error": UNKNOWN.format("EU")},
            "symbol": {"error": "TypeError: Cannot convert a Symbol value to a string"},
            "uniqueEuJurisdiction": "eu",
            "uniqueBogus": {"error": UNKNOWN.format("mars")},
            "uniqueMismatch": {"error": 'TypeError: newUniqueId called on a subnamespace of the '
                                        '"eu" jurisdiction with the "fedramp" jurisdiction'},
            "uniqueSame": "eu",
            "uniqueInSubnamespace": "eu",
            "parentParsesEu": "eu",
            "parentParsesEuUnique": "eu",
            "euParsesEu": True,
            "euRejectsPlain": {"error": "TypeError: idFromString called on jurisdictional "
                                        "subnamespace with an ID from a different jurisdiction "
                                        '(the subnamespace is "eu", the ID is of no '
                                        "jurisdiction)"},
            "euRejectsFedramp": {"error": "TypeError: idFromString called on jurisdictional "
                                          "subnamespace with an ID from a different "
                                          'jurisdiction (the subnamespace is "eu", the ID is '
                                          'of the "fedramp" jurisdiction)'},
            "otherRejectsEu": {"error": "TypeError: Durable Object ID is not valid for this "
                                        "namespace."},
            "euGetPlain": {"error": GET_MISMATCH},
            "euGetFedramp": {"error": GET_MISMATCH},
            "parentGetEu": {"ok": "stub"},
            "euGetByName": "eu",
            "tamperedTag": {"error": "TypeError: Durable Object ID is not valid for this "
                                     "namespace."},
        })

    def test_eu_objects_are_their_own_and_stored_apart(self):
        server = self.serve("namespaces/wrangler.jsonc")
        got = self.fetch_json(server, "/euObjects")
        # eu.getByName, parent.idFromString(eu) and eu.idFromString(eu) reach one
        # object; the parent's "room" is another.
        self.assertEqual(got["counts"], [1, 2, 3, 1])
        self.assertEqual(got["inside"]["jurisdiction"], "eu")
        self.assertEqual(got["inside"]["name"], "room")
        self.assertEqual(got["insideViaParent"], got["inside"])
        folder = os.path.join(self.state, "do", "ids", "Thing")
        self.assertTrue(os.path.exists(os.path.join(folder, "eu", got["euHex"] + ".sqlite")))
        self.assertTrue(os.path.exists(os.path.join(folder, got["plainHex"] + ".sqlite")))
        self.assertFalse(os.path.exists(os.path.join(folder, got["euHex"] + ".sqlite")))

    def test_location_hints_are_accepted_and_logged_with_verbose(self):
        server = self.serve("namespaces/wrangler.jsonc", extra=["--verbose"])
        got = self.fetch_json(server, "/hints")
        # Every hint, known or not, reaches the same object; a hinted unique
        # ID and a hinted jurisdiction work too.
        self.assertEqual(got, list(range(1, 14)) + [1, 1])
        server.wait_for_line(r'debug actor: location hint class=Thing id=[0-9a-f]{64} '
                             r'hint="apac-ne" \(every object runs in this process\)')
        server.wait_for_line(r'debug actor: unknown location hint class=Thing id=[0-9a-f]{64} '
                             r'hint="mars" \(ignored\)')

    def test_location_hints_are_silent_without_verbose(self):
        server = self.serve("namespaces/wrangler.jsonc")
        self.fetch_json(server, "/hints")
        self.assertNotIn("location hint", server.output())


class JurisdictionExampleTest(DohostTestCase):
    def test_eu_users_live_in_the_eu_folder(self):
        from harness import TOP
        server = self.serve(os.path.join(TOP, "examples", "jurisdiction", "wrangler.jsonc"))
        status, _, body = server.get("/users/alice?country=FR")
        self.assertEqual(status, 200, body)
        eu = json.loads(body)
        self.assertEqual((eu["user"], eu["jurisdiction"], eu["visits"]), ("alice", "eu", 1))
        status, _, body = server.get("/users/alice?country=US")
        plain = json.loads(body)
        self.assertEqual((plain["jurisdiction"], plain["visits"]), ("none", 1))
        self.assertNotEqual(plain["id"], eu["id"])
        # The parent namespace reads the jurisdiction back from the ID string.
        status, _, body = server.get("/ids/" + eu["id"])
        self.assertEqual(json.loads(body)["visits"], 2)
        self.assertEqual(json.loads(body)["jurisdiction"], "eu")
        folder = os.path.join(self.state, "do", "jurisdiction", "Profile")
        self.assertTrue(os.path.exists(os.path.join(folder, "eu", eu["id"] + ".sqlite")))
        self.assertTrue(os.path.exists(os.path.join(folder, plain["id"] + ".sqlite")))


if __name__ == "__main__":
    unittest.main()
