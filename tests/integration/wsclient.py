"""A small WebSocket client (RFC 6455) on the Python standard library, for integration tests.

It speaks to 127.0.0.1 only, shows the handshake response as sent, and reads frames exactly as
the server wrote them, so tests can check close codes and reasons on the wire.
"""
import base64
import hashlib
import os
import socket
import struct

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class HandshakeError(Exception):
    """The server answered the upgrade with something other than 101."""

    def __init__(self, status, headers, body):
        super().__init__(f"handshake failed with status {status}: {body!r}")
        self.status = status
        self.headers = headers
        self.body = body


class Closed(Exception):
    """The connection ended without a Close frame."""


class WebSocket:
    def __init__(self, sock, status, headers, leftover=b""):
        self.sock = sock
        self.status = status
        self.headers = headers  # [(name, value)] as sent
        self._buffer = leftover

    # ---- Handshake ---------------------------------------------------------------------------

    @classmethod
    def connect(cls, port, path="/", headers=None, timeout=20, host="127.0.0.1"):
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

        data = b""
        while b"\r\n\r\n" not in data:
            more = sock.recv(4096)
            if not more:
                raise Closed("connection closed during the handshake: %r" % data)
            data += more
        head, rest = data.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin1").split("\r\n")
        status = int(status_line.split(" ")[1])
        response_headers = [tuple(h.split(": ", 1)) for h in header_lines]
        if status != 101:
            sock.close()
            raise HandshakeError(status, response_headers, rest)
        expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        accept = [v for n, v in response_headers if n.lower() == "sec-websocket-accept"]
        if accept != [expected]:
            raise AssertionError(f"bad Sec-WebSocket-Accept {accept!r}, expected {expected!r}")
        return cls(sock, status, response_headers, rest)

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    # ---- Sending -----------------------------------------------------------------------------

    def send_frame(self, opcode, payload, fin=True):
        mask = os.urandom(4)
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send_text(self, text):
        self.send_frame(OP_TEXT, text.encode())

    def send_binary(self, data):
        self.send_frame(OP_BINARY, bytes(data))

    def send_close(self, code=None, reason=""):
        payload = b"" if code is None else struct.pack("!H", code) + reason.encode()
        self.send_frame(OP_CLOSE, payload)

    # ---- Receiving ---------------------------------------------------------------------------

    def _read_exact(self, n):
        while len(self._buffer) < n:
            more = self.sock.recv(65536)
            if not more:
                raise Closed("connection closed by the server")
            self._buffer += more
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def _read_frame(self):
        b0, b1 = self._read_exact(2)
        fin, opcode, masked, n = b0 & 0x80, b0 & 0x0F, b1 & 0x80, b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read_exact(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read_exact(8))[0]
        mask = self._read_exact(4) if masked else None
        payload = self._read_exact(n)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return bool(fin), opcode, payload

    def recv(self):
        """The next message: ("text", str), ("binary", bytes) or ("close", code, reason).

        Pings are answered; a Close without a code gives ("close", None, "").
        """
        parts, first = [], None
        while True:
            fin, opcode, payload = self._read_frame()
            if opcode == OP_PING:
                self.send_frame(OP_PONG, payload)
                continue
            if opcode == OP_PONG:
                continue
            if opcode == OP_CLOSE:
                if len(payload) >= 2:
                    return ("close", struct.unpack("!H", payload[:2])[0], payload[2:].decode())
                return ("close", None, "")
            if opcode != OP_CONT:
                first = opcode
            parts.append(payload)
            if fin:
                data = b"".join(parts)
                return ("text", data.decode()) if first == OP_TEXT else ("binary", data)

    def wait_closed(self):
        """True when the server closes the TCP connection (after a Close, typically)."""
        try:
            while self.sock.recv(65536):
                pass
        except OSError:
            pass
        return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
