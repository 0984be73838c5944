"""A real chat-completions HTTP server on 127.0.0.1 for provider tests (stdlib only).

Each request pops the next scripted behaviour; a behaviour is a dict:
  {"content": str, "finish": "stop"}          200 with that assistant message (+ usage)
  {"status": 429, "headers": {...}, "body": {...}}   an error response
  {"delay": 2.0, ...}                          sleep first (client timeouts)
  {"reset": True}                              close the connection without answering
  callable(request_json) -> dict               decide from the request (e.g. by ROLE)
The last behaviour repeats. Every request body is kept in `requests`.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ChatServer:
    def __init__(self, script: list[Any]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(body)
                    server.headers.append(dict(self.headers))
                    item = server.script.pop(0) if len(server.script) > 1 else server.script[0]
                if callable(item):
                    item = item(body)
                if item.get("delay"):
                    time.sleep(item["delay"])
                if item.get("reset"):
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)  # makefile() refs keep the fd open otherwise
                    return
                status = int(item.get("status", 200))
                if status == 200:
                    payload = {
                        "id": "chatcmpl-test", "object": "chat.completion", "created": 0,
                        "model": body.get("model", "m"),
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": item.get("content", "")},
                                     "finish_reason": item.get("finish", "stop")}],
                        "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60},
                    }
                else:
                    payload = item.get("body", {"error": {"message": f"status {status}", "type": "test"}})
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for k, v in (item.get("headers") or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ChatServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def role_of(self, i: int) -> str:
        return self.requests[i]["messages"][0]["content"].splitlines()[0].removeprefix("ROLE: ")
