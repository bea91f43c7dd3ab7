"""examples/chat-room end to end: several real WebSocket clients in one room, messages broadcast
and kept in SQL, the auto-response, and a room that is evicted while idle and woken by the next
message with its sockets still there."""
import json
import os
import unittest

from harness import TOP, DohostTestCase
from wsclient import WebSocket

CONFIG = os.path.join(TOP, "examples", "chat-room", "wrangler.jsonc")


class ChatRoom(DohostTestCase):
    def join(self, server, name, room="lobby"):
        ws = WebSocket.connect(server.port, f"/room/{room}/ws?name={name}")
        self.addCleanup(ws.close)
        first = json.loads(ws.recv()[1])
        self.assertEqual(first["type"], "history")
        return ws, first["messages"]

    def next_json(self, ws):
        kind, data = ws.recv()
        self.assertEqual(kind, "text")
        return json.loads(data)

    def test_the_page_is_served(self):
        server = self.serve(CONFIG)
        status, headers, body = server.get("/")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/html;charset=UTF-8")
        self.assertIn("<title>dohost chat</title>", body)
        self.assertEqual(server.get("/elsewhere")[0], 404)

    def test_messages_reach_everyone_in_the_room_and_are_kept(self):
        server = self.serve(CONFIG)
        alice, history = self.join(server, "alice")
        self.assertEqual(history, [])
        bob, _ = self.join(server, "bob")
        self.assertEqual(self.next_json(alice), {"type": "join", "name": "bob"})
        carol, _ = self.join(server, "carol")
        self.assertEqual(self.next_json(alice), {"type": "join", "name": "carol"})
        self.assertEqual(self.next_json(bob), {"type": "join", "name": "carol"})

        alice.send_text("hello")
        for ws in (alice, bob, carol):
            self.assertEqual(self.next_json(ws),
                             {"type": "message", "name": "alice", "text": "hello"})

        # "ping" is answered by the auto-response, without the room or the others.
        bob.send_text("ping")
        self.assertEqual(bob.recv(), ("text", "pong"))
        carol.send_binary("hi".encode())
        for ws in (alice, bob, carol):
            self.assertEqual(self.next_json(ws), {"type": "message", "name": "carol", "text": "hi"})

        carol.send_close(1000, "leaving")
        self.assertEqual(carol.recv(), ("close", 1000, "bye"))
        self.assertEqual(self.next_json(alice), {"type": "leave", "name": "carol"})
        self.assertEqual(self.next_json(bob), {"type": "leave", "name": "carol"})

        expected = [{"name": "alice", "text": "hello"}, {"name": "carol", "text": "hi"}]
        self.assertEqual(json.loads(server.get("/room/lobby/history")[2]), expected)
        self.assertEqual(json.loads(server.get("/room/other/history")[2]), [])
        dave, history = self.join(server, "dave")
        self.assertEqual(history, expected)

        # The messages are in the room's SQLite database: they survive a restart.
        server.stop()
        server.start()
        self.assertEqual(json.loads(server.get("/room/lobby/history")[2]), expected)

    def test_an_evicted_room_wakes_on_the_next_message_with_its_sockets(self):
        server = self.serve(CONFIG, extra=["--do-idle-timeout", "0.2", "--verbose"])
        alice, _ = self.join(server, "alice")
        bob, _ = self.join(server, "bob")
        self.assertEqual(self.next_json(alice), {"type": "join", "name": "bob"})
        server.wait_for_line(r"evict class=ChatRoom")

        alice.send_text("are you there?")
        self.assertEqual(self.next_json(bob),
                         {"type": "message", "name": "alice", "text": "are you there?"})
        # The object was constructed again and found both sockets, with their attachments.
        server.wait_for_line(r"\[chat-room\] room constructed, 2 sockets")


if __name__ == "__main__":
    unittest.main()
