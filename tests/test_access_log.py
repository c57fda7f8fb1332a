"""What the request logs keep: method, path, status; never the query string (searches carry
e-mail addresses and phone numbers) nor the client address. Under gunicorn, with the project's
gunicorn.conf.py, and under `kb serve`'s development server."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

from werkzeug.serving import make_server

from tests.helpers import CHROMA_URL, REPO, free_port, stop_server
from web.dev_server import PrivateRequestHandler

PERSONAL = "jane.doe@example.com 555-123-4567"
TRACES = ("jane", "example.com", "%40", "555", "123-4567", "127.0.0.1")


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=20) as response:
        response.read()
        return response.status


def test_gunicorn_logs_no_query_string_nor_address(
    built, content_dir, data_dir, database_url, tmp_path
) -> None:
    port, access_log = free_port(), tmp_path / "access.log"
    env = {
        **os.environ,
        "KB_CONTENT_DIR": str(content_dir),
        "KB_DATA_DIR": str(data_dir),
        "KB_DATABASE_URL": database_url,
        "KB_CHROMA_URL": CHROMA_URL,
        "KB_EMBEDDER": "hashing",
    }
    command = [
        *(sys.executable, "-m", "gunicorn", "--preload", "--workers", "1"),
        *("--config", str(REPO / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}"),
        *("--access-logfile", str(access_log), "--graceful-timeout", "2"),
        "web:create_app()",
    ]
    with open(tmp_path / "server.log", "wb") as server_log:
        server = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=server_log, stderr=server_log,
            start_new_session=True,  # its own process group: stop_server reaches the worker
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (
                    tmp_path / "server.log"
                ).read_text()
                time.sleep(0.25)
        query = urllib.parse.quote_plus(PERSONAL)
        assert get(f"{base}/search?q={query}") == 200
        assert get(f"{base}/api/v1/search?q={query}") == 200
        # 600 characters of Chinese: 5,400 bytes percent-encoded, over gunicorn's default line
        cjk = urllib.parse.quote_plus("退款" * 300)
        assert get(f"{base}/api/v1/search?q={cjk}") == 200
        # gunicorn's own answers: JSON with the app's headers, the request not repeated
        too_long = raw(port, f"GET /api/v1/search?q={query}&x={'y' * 9000} HTTP/1.1")
        malformed = raw(port, f"GET /search?q={query} HTTP/1.1 trailing")
        for answer, status in ((too_long, 414), (malformed, 400)):
            head, _, body = answer.partition("\r\n\r\n")
            assert head.startswith(f"HTTP/1.1 {status} "), answer[:200]
            assert "Content-Type: application/json" in head
            assert "Content-Security-Policy: default-src 'self'" in head
            assert json.loads(body)["error"]["message"]
            assert not [trace for trace in TRACES if trace in body], body
    finally:
        stop_server(server)
    logged = access_log.read_text()
    assert '"GET /search" 200 ' in logged and '"GET /api/v1/search" 200 ' in logged, logged
    assert not [trace for trace in TRACES if trace in logged], logged
    errors = [line for line in (tmp_path / "server.log").read_text().splitlines()]
    invalid = [line for line in errors if "Invalid request" in line]
    assert len(invalid) == 2, errors  # gunicorn did log the malformed requests...
    assert not [trace for trace in TRACES if trace in "\n".join(invalid)], invalid  # not who/what


def raw(port: int, request_line: str) -> str:
    """Send one request line as it is (no client would send these) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        connection.sendall(f"{request_line}\r\nHost: localhost\r\n\r\n".encode())
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode("latin-1")


def test_the_development_server_logs_no_query_string_nor_address(app, caplog) -> None:
    server = make_server("127.0.0.1", 0, app, request_handler=PrivateRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        query = urllib.parse.quote_plus(PERSONAL)
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            assert get(f"http://127.0.0.1:{server.port}/search?q={query}") == 200
    finally:
        server.shutdown()
        thread.join(timeout=10)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert '"GET /search" 200' in logged, logged
    assert not [trace for trace in TRACES if trace in logged], logged
