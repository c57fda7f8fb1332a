"""Delivery to the outside: e-mail through a real SMTP server on loopback, and signed webhooks
sent to and checked by a real HTTP receiver, with the replay window and a wrong secret."""

from __future__ import annotations

import http.server
import threading
import time

import pytest

from kb.delivery.mail import SmtpServer, send_mail
from kb.delivery.webhooks import SIGNATURE_HEADER, post_json, signature, verify
from kb.errors import ConfigurationError, Unauthorized
from tests.mailbox import Mailbox


def test_mail_arrives_at_the_smtp_server() -> None:
    with Mailbox() as mailbox:
        send_mail(mailbox.url, "help@driftbox.example", "jane@example.com", "Hi", "Body text")
        (message,) = mailbox.wait_for(1)
    assert message["To"] == "jane@example.com" and message["Subject"] == "Hi"
    assert message.get_content().strip() == "Body text"


@pytest.mark.parametrize("url", ["", "http://mail.example", "smtp://", "smtp://host:port"])
def test_a_bad_smtp_url_is_named(url: str) -> None:
    with pytest.raises(ConfigurationError, match="KB_SMTP_URL"):
        send_mail(url, "a@b.example", "c@d.example", "s", "t")


def test_an_smtp_url_keeps_its_credentials_out_of_its_repr() -> None:
    server = SmtpServer.from_url("smtps://bob:s%40cret@mail.example")
    assert (server.port, server.user, server.password) == (465, "bob", "s@cret")
    assert "cret" not in repr(server)


def test_a_signature_verifies_within_the_window_only() -> None:
    body = b'{"ticket": 1}'
    header = signature("shared", body, timestamp=1_000_000)
    verify("shared", body, header, now=1_000_100)
    with pytest.raises(Unauthorized, match="too old"):
        verify("shared", body, header, now=1_000_000 + 301)
    with pytest.raises(Unauthorized, match="does not match"):
        verify("other", body, header, now=1_000_100)
    with pytest.raises(Unauthorized, match="does not match"):
        verify("shared", b'{"ticket": 2}', header, now=1_000_100)
    for broken in (None, "", "t=abc,v1=00", "v1=00"):
        with pytest.raises(Unauthorized):
            verify("shared", body, broken)


class Receiver(http.server.BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]] = []
    status = 204

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((body, self.headers[SIGNATURE_HEADER]))
        self.send_response(Receiver.status)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver():
    Receiver.received, Receiver.status = [], 204
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_a_sent_webhook_is_signed_so_the_receiver_can_check_it(receiver: str) -> None:
    assert post_json(receiver, {"ticket": "t-1"}, "shared") == 204
    ((body, header),) = Receiver.received
    verify("shared", body, header, now=time.time())
    assert body == b'{"ticket":"t-1"}'


def test_a_receiver_that_refuses_is_an_error_to_retry(receiver: str) -> None:
    Receiver.status = 503
    with pytest.raises(OSError, match="503"):
        post_json(receiver, {"ticket": "t-1"}, "shared")
