"""Invitation emails through the real parts: a Celery worker subprocess on Redis, an SMTP server on loopback
(aiosmtpd), PostgreSQL. The email arrives once with a link that accepts; with the SMTP server down the task retries
and the email arrives once it is back; a worker lost after the server took the message does not send it again."""

import re
import time
from urllib.parse import urlparse

import pytest
from django.conf import settings

import invitations.services
from config.celery import app
from invitations.models import Invitation, InvitationEmail, InvitationStatus
from organizations.models import OrganizationConnection
from tests.invitations.conftest import in_days
from tests.smtp import SmtpServer
from tests.workers import Worker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"http://testserver/invitations/accept/[A-Za-z0-9_-]+")


def _database_url() -> str:
    """The test database (the worker must see the rows this test commits)."""
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def start_worker():
    """start_worker(smtp_port, **env): a worker sending through that SMTP port; all stopped at the end."""
    app.control.purge()  # nothing left over from an earlier run
    started: list[Worker] = []

    def start(port: int, **env) -> Worker:
        worker = Worker(
            DATABASE_URL=_database_url(),
            EMAIL_URL=f"smtp://127.0.0.1:{port}",
            PUBLIC_BASE_URL="http://testserver",
            INVITATION_EMAIL_RETRY_BACKOFF_SECONDS="1",
            LOG_FORMAT="json",
            LOG_LEVEL="INFO",
            **env,
        )
        started.append(worker)
        worker.wait_until_ready()
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.stop()


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def wait_until(predicate, timeout: float = 60, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def email_row(invitation) -> InvitationEmail:
    return InvitationEmail.objects.get(invitation=invitation)


def parts(message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }


def test_the_email_arrives_once_plain_and_html_and_its_link_accepts(smtp, start_worker, host, invitee, client):
    start_worker(smtp.port)

    invitation = invitations.services.guest_invitation_create(
        organization=host, email="guest@example.com", expired_at=in_days(7)
    )

    (message,) = smtp.inbox.wait_for(1)
    sent = wait_until(lambda: email_row(invitation).sent_at, what="sent_at")
    assert message["To"] == "guest@example.com"
    assert "Acme Exchange" in message["Subject"]
    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    (link,) = set(LINK.findall(body["text/plain"]))
    assert link in body["text/html"]
    invitation.refresh_from_db()
    assert invitation.first_invitation_sent_at == invitation.last_invitation_sent_at == sent
    assert email_row(invitation).token is None  # erased once sent

    client.force_login(invitee)
    guest = invitee.memberships.get().organization
    response = client.post(urlparse(link).path, {"organization_id": str(guest.pk)})
    assert response.status_code == 302
    assert OrganizationConnection.objects.filter(host=host, guest=guest).exists()
    assert Invitation.objects.get().status == InvitationStatus.ACCEPTED
    time.sleep(1.5)
    assert smtp.inbox.count() == 1


def test_with_the_smtp_server_down_the_task_retries_and_the_email_arrives_once_it_is_back(start_worker, host):
    smtp = SmtpServer()  # its port is chosen, nothing listens yet
    start_worker(smtp.port)
    invitation = invitations.services.guest_invitation_create(
        organization=host, email="guest@example.com", expired_at=in_days(7)
    )

    wait_until(lambda: email_row(invitation).attempts >= 1, what="a failed attempt")
    row = email_row(invitation)
    assert row.sent_at is None and row.claimed_at is None  # released for the retry
    assert "Connection refused" in row.last_error or "Errno" in row.last_error
    smtp.start()
    try:
        smtp.inbox.wait_for(1)
        wait_until(lambda: email_row(invitation).sent_at, what="sent_at")
        time.sleep(3)  # room for a stray second send
        assert smtp.inbox.count() == 1
        row = email_row(invitation)
        assert row.attempts >= 2 and row.last_error == ""
        invitation.refresh_from_db()
        assert invitation.first_invitation_sent_at is not None
    finally:
        smtp.stop()


def test_a_worker_lost_after_the_server_took_the_message_does_not_send_it_again(smtp, start_worker, host):
    smtp.inbox.hold.clear()  # the server takes the message and holds its answer
    first = start_worker(smtp.port)
    invitation = invitations.services.guest_invitation_create(
        organization=host, email="guest@example.com", expired_at=in_days(7)
    )

    smtp.inbox.wait_for(1)
    first.kill()  # between "the server has it" and "the task recorded it"
    smtp.inbox.hold.set()
    row = email_row(invitation)
    assert row.claimed_at is not None and row.sent_at is None

    # The message was never acknowledged: a worker with a short visibility timeout gets it back (kombu scans for
    # such messages every ~10 polls, and may skip a scan while another worker holds the scan's lock: be patient).
    second = start_worker(smtp.port, CELERY_BROKER_VISIBILITY_TIMEOUT="2")
    line = second.json_line(
        lambda r: r.get("logger") == "organizations.invitations" and "not sending it again" in r.get("message", ""),
        timeout=150,
    )
    assert str(row.pk) in line["message"]
    time.sleep(1)
    assert smtp.inbox.count() == 1
    assert email_row(invitation).sent_at is None  # at most once: the send is not recorded, and not repeated
