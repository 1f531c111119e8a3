#!/usr/bin/env python3
"""A minimal HTTPS proxy (HTTP CONNECT tunnels only) for the tests.

    proxy.py --ready-file FILE [--log FILE]

Binds 127.0.0.1 on a free port, writes {"port": N} to the ready file,
and appends one line "CONNECT host:port" to the log per tunnel, so a test
can prove the agent went through it.  Standard library only.
"""

import argparse
import json
import os
import select
import socket
import socketserver
import threading


class Tunnel(socketserver.BaseRequestHandler):
    def handle(self):
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 8192:
            chunk = self.request.recv(1024)
            if not chunk:
                return
            head += chunk
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split()
        if len(parts) != 3 or parts[0] != "CONNECT" or ":" not in parts[1]:
            self.request.sendall(b"HTTP/1.1 405 CONNECT only\r\nContent-Length: 0\r\n\r\n")
            return
        host, port = parts[1].rsplit(":", 1)
        with self.server.log_lock, open(self.server.log_path, "a") as log:
            log.write("CONNECT %s\n" % parts[1])
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError:
            self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        pair = {self.request: upstream, upstream: self.request}
        with upstream:
            while True:
                ready, _, _ = select.select(list(pair), [], [], 60)
                if not ready:
                    return
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ready-file", required=True)
    ap.add_argument("--log", default=os.devnull)
    args = ap.parse_args()
    server = Server(("127.0.0.1", 0), Tunnel)
    server.log_path, server.log_lock = args.log, threading.Lock()
    tmp = args.ready_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"port": server.server_address[1], "pid": os.getpid()}, f)
    os.rename(tmp, args.ready_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
