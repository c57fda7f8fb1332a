"""A real HTTP receiver of the queue webhooks on loopback, for tests: it checks each request's
signature, processes each delivery id once (as a receiver should) and fails as it is told."""

from __future__ import annotations

import http.server
import json
import threading
from collections import Counter

from kb.delivery.sending import DELIVERY_ID_HEADER
from kb.delivery.webhooks import SIGNATURE_HEADER, verify

SECRET = "queue-secret-0123456789"  # KB_QUEUE_WEBHOOK_SECRET in the tests


class Receiver:
    """A real HTTP receiver on loopback that checks signatures and processes each delivery id
    once (as a receiver should), and fails as told: `mode` is "ok", "fail" (500 before
    processing) or "slow" (processes, then answers after the sender has given up)."""

    def __init__(self, port: int = 0, delay: float = 0.0) -> None:
        self.mode = "ok"
        self.delay = delay
        self.receipts: list[str] = []  # the delivery id of every request
        self.processed: Counter[str] = Counter()  # ticket ids, once per delivery id
        self.bodies: dict[str, dict] = {}
        self._lock = threading.Lock()
        self.port = port
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        """Serve (again, at the same port once it has one), keeping what was processed."""
        receiver = self
        self.answer_late = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                verify(SECRET, body, self.headers[SIGNATURE_HEADER])
                sent = json.loads(body)
                assert self.headers[DELIVERY_ID_HEADER] == sent["delivery_id"]
                receiver.answer_late.wait(receiver.delay)
                with receiver._lock:
                    receiver.receipts.append(sent["delivery_id"])
                    if receiver.mode == "fail":
                        self.send_response(500)
                        self.end_headers()
                        return
                    if sent["delivery_id"] not in receiver.bodies:
                        receiver.bodies[sent["delivery_id"]] = sent
                        receiver.processed[sent["ticket_id"]] += 1
                if receiver.mode == "slow":
                    receiver.answer_late.wait(5)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.answer_late.set()
        self.server.shutdown()
        self.server.server_close()
