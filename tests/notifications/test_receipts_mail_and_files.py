"""What the consignor receives and what both sides keep: the e-mail (queued with the filing, sent once, its failure
visible), the receipt PDF, attachments that are what they claim to be, and escalation when nobody acknowledges."""

import io
import subprocess
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from oversight.errors import ValidationFailed
from oversight.extensions import db
from oversight.notifications import documents, filing, services
from oversight.notifications.escalation import escalate_unacknowledged
from oversight.notifications.models import Notification, NotificationAttachment
from oversight.outbox import services as outbox
from oversight.outbox.models import OutboxMessage
from oversight.timeutil import utcnow
from tests.contracts.office import office_tools
from tests.factories import SUSPECTED_LEAK

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def file_with(chain, uploads, **changes):
    return filing.file_new(chain.uf_staff, {"entrustment_id": chain.call_centre.id, "title": "端末の不審通信",
                                              "facts": SUSPECTED_LEAK, **changes}, uploads)


def test_the_consignors_incident_contacts_get_the_mail_once_with_the_receipt_number(app, chain, smtp_server):
    n = file_with(chain, [])
    outbox.deliver_due()
    outbox.deliver_due()  # a second sweep (or a restart) sends nothing again
    [mail] = smtp_server.messages
    assert mail["To"] == "soc@toto.example"  # 東都's incident contact (its staff user is not on the incident team)
    assert n.receipt_number in mail["Subject"] and "UFサポート株式会社" in mail["Subject"]
    assert n.content_sha256 in mail.get_content() and f"/notifications/{n.id}" in mail.get_content()


def test_a_filing_whose_mail_cannot_be_sent_is_still_filed_and_the_failure_shows(app, chain, smtp_server):
    smtp_server.stop()  # the mail server is down: connection refused
    n = file_with(chain, [])
    outbox.deliver_due()
    db.session.expire_all()
    assert db.session.get(Notification, n.id).is_filed
    [message] = services.mail_status(n)
    assert message.status == "pending" and message.attempts == 1 and message.last_error


def test_the_receipt_pdf_carries_the_number_time_and_hash_and_is_the_same_every_time(chain):
    n = file_with(chain, [("初動報告.pdf", PDF)])
    name, pdf = documents.receipt_document(chain.toto_staff, n.id)
    assert name == f"receipt-{n.receipt_number}.pdf" and pdf.startswith(b"%PDF-")
    assert documents.receipt_document(chain.uf_staff, n.id)[1] == pdf  # both sides hold the same document
    _soffice, pdftotext = office_tools()
    text = subprocess.run([pdftotext, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True,
                          timeout=60).stdout.decode()
    flat = "".join(text.split())
    for expected in ("事故等報告受領証", n.receipt_number, n.content_sha256[:40], "UFサポート株式会社",
                     "株式会社東都システム", "初動報告.pdf", "法26条1項ただし書"):
        assert expected in flat, expected


def test_attachments_are_kept_with_their_hash_in_the_receipt(chain):
    n = file_with(chain, [("初動報告.pdf", PDF), ("ログ一覧.docx", docx_bytes())])
    assert [a.filename for a in n.attachments] == ["初動報告.pdf", "ログ一覧.docx"]
    assert filing.receipt_content(n)["attachments"][0]["sha256"] == n.attachments[0].sha256
    n.attachments[0].content = b"%PDF-1.4 something else %%EOF"
    assert filing.verify(n)  # the hash covers the recorded digest; the digest itself exposes a swapped file
    n.title = "改ざん"
    assert not filing.verify(n)


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("報告書.pdf", b"MZ\x90\x00 this is a Windows program", "PDFファイルではありません"),
    ("報告書.docx", b"PK\x03\x04 not really a zip", "DOCXファイルではありません"),
    ("報告書.docx", None, "DOCXファイルではありません"),  # a real zip, but not a Word document
    ("報告書.exe", b"MZ\x90\x00", "添付できるのは"),
    ("空.pdf", b"", "空のファイル"),
])
def test_a_file_pretending_to_be_pdf_or_office_is_refused_and_nothing_is_stored(chain, name, content, expected):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as package:
            package.writestr("readme.txt", "hello")
        content = buffer.getvalue()
    with pytest.raises(ValidationFailed) as refused:
        file_with(chain, [(name, content)])
    assert expected in str(refused.value.errors["attachments"][0])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert db.session.scalar(select(func.count()).select_from(NotificationAttachment)) == 0


def test_a_50_mb_attachment_is_refused_with_the_limit_named(chain):
    with pytest.raises(ValidationFailed) as refused:
        file_with(chain, [("全ログ.pdf", b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024) + b"\n%%EOF")])
    assert "20MB" in str(refused.value.errors["attachments"][0])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_an_unacknowledged_notification_is_escalated_once_after_the_configured_hours(app, chain):
    waiting = file_with(chain, [])
    answered = file_with(chain, [], title="別件")
    filing.acknowledge(chain.toto_staff, answered.id)
    hours = app.config["NOTIFICATION_ACK_HOURS"]
    assert escalate_unacknowledged(utcnow() + timedelta(hours=hours) - timedelta(minutes=1)) == 0
    later = utcnow() + timedelta(hours=hours, minutes=1)
    assert escalate_unacknowledged(later) == 1
    assert escalate_unacknowledged(later + timedelta(hours=1)) == 0
    db.session.expire_all()
    assert db.session.get(Notification, waiting.id).escalated_at is not None
    assert db.session.get(Notification, answered.id).escalated_at is None
    escalation = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.key == f"notification-escalation:{waiting.id}"))
    assert "ops@uf.example" in escalation.recipients and "soc@toto.example" in escalation.recipients
    ack_mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == f"notification-ack:{answered.id}"))
    assert "ops@uf.example" in ack_mail.recipients


def test_acknowledging_is_for_the_recipient_only(chain):
    n = file_with(chain, [])
    from oversight.errors import Forbidden
    with pytest.raises(Forbidden):
        filing.acknowledge(chain.uf_staff, n.id)
    assert filing.acknowledge(chain.toto_staff, n.id).acknowledged_at is not None
