"""A small HTTP server for outbound fetch() tests: it echoes what it received as JSON, redirects,
compresses, streams chunked bodies and stalls, on 127.0.0.1 only. Run it as a script with a port
and optionally a certificate and key to serve HTTPS; it prints its port once listening."""
import gzip
import http.server
import json
import socketserver
import ssl
import sys
import threading
import time
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline()
                n = int(line.strip().split(b";")[0], 16)
                if n == 0:
                    self.rfile.readline(); break
                data += self.rfile.read(n); self.rfile.readline()
            return data
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n)
    def send(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def handle_any(self):
        b = self.body()
        p = self.path
        if p.startswith("/redirect/"):
            code = int(p.split("/")[2]); self.send(code, b"moved", [("Location", "/echo?from=" + str(code))]); return
        if p.startswith("/loop"):
            self.send(302, b"", [("Location", "/loop")]); return
        if p == "/gzip":
            data = gzip.compress(b"hello gzip"); self.send(200, data, [("Content-Encoding", "gzip"), ("Content-Type", "text/plain")]); return
        if p == "/chunked":
            self.send_response(200); self.send_header("Transfer-Encoding", "chunked"); self.send_header("X-Multi", "a"); self.send_header("X-Multi", "b"); self.send_header("Set-Cookie", "a=1"); self.send_header("Set-Cookie", "b=2"); self.end_headers()
            for part in [b"one,", b"two,", b"three"]:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part)); self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n"); return
        if p == "/status418":
            self.send(418, b"teapot", []); return
        if p == "/hang":
            # Stalls until the client gives up (the test aborts it), bounded so it ends by itself.
            self.server.release.wait(10)
            self.send(200, b"late")
            return
        out = {"method": self.command, "path": p, "headers": [[k, v] for k, v in self.headers.items()], "body": b.decode("latin1")}
        self.send(200, json.dumps(out).encode(), [("Content-Type", "application/json")])
    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any
class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    release = threading.Event()


def main():
    server = Server(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    if len(sys.argv) > 3:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
