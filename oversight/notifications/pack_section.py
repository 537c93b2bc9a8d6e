"""The notifications' section of the evidence pack: every notification filed in the period on the entrustments in
scope that the builder may see (filed to or by its organisation, or forwarded up to it), with its receipt PDF, its
attachments (one at a time) and whether it came within the contract's hours."""

from __future__ import annotations

from sqlalchemy import select

from oversight import permissions as perm
from oversight.extensions import db
from oversight.notifications.documents import APPROVAL_LABELS, KIND_LABELS, receipt_document
from oversight.notifications.models import Notification, NotificationAttachment
from oversight.packs.document import Paragraph, Section, table, when
from oversight.packs.sections import PackContext, register_section
from oversight.packs.writer import safe_name


def _timely(n: Notification) -> str:
    if n.late is None:
        return "—"
    return f"期限超過 / late ({n.notice_hours} h)" if n.late else f"期限内 / in time ({n.notice_hours} h)"


def build(ctx: PackContext) -> Section:
    """The section: a table of the notifications, and their receipts and attachments as files."""
    section = Section("notifications", "事故等の報告（委託先から）", "Notifications from the contractor chain")
    ids = ctx.all_entrustment_ids
    notices = db.session.scalars(perm.restrict(select(Notification), ctx.actor, "notification").where(
        Notification.entrustment_id.in_(ids), Notification.status == "filed", Notification.filed_at >= ctx.starts,
        Notification.filed_at < ctx.ends).order_by(Notification.filed_at, Notification.id)).all() if ids else []
    ctx.cover("notification", [n.id for n in notices])
    if not notices:
        section.blocks.append(Paragraph("期間中の報告はありません（閲覧できる範囲）。",
                                        "No notification in the period (as far as you may see)."))
        return section
    for n in notices:
        folder = f"notifications/{n.receipt_number}"
        name, pdf = receipt_document(ctx.actor, n.id)
        ctx.writer.add_bytes(f"{folder}/{name}", pdf)
        del pdf
        for a in db.session.execute(select(NotificationAttachment.id, NotificationAttachment.filename,
                                           NotificationAttachment.size)
                                    .where(NotificationAttachment.notification_id == n.id)
                                    .order_by(NotificationAttachment.id)).all():
            ctx.add_blob(f"{folder}/attachments/{a.id}-{safe_name(a.filename)}",
                         select(NotificationAttachment.content).where(NotificationAttachment.id == a.id),
                         size=a.size)
    section.blocks.append(table(
        (("受付番号", "Receipt"), ("受付日時", "Filed at"), ("区分", "Kind"), ("報告者 → 報告先", "From → to"),
         ("件名", "Title"), ("契約上の期限", "Contract term"), ("受領確認", "Acknowledged")),
        ((n.receipt_number, when(n.filed_at), " / ".join(KIND_LABELS.get(n.kind, (n.kind, ""))),
          f"{n.filer.name} → {n.recipient.name}"
          + (f"（{APPROVAL_LABELS.get(n.approval_state, (n.approval_state,))[0]}）" if n.unapproved else ""),
          n.title, _timely(n), when(n.acknowledged_at)) for n in notices), (1.3, 1.2, 1, 2.4, 2, 1.3, 1.2)))
    ctx.writer.add_csv("notifications/notifications.csv",
                       ["receipt_number", "filed_at", "kind", "filer", "recipient", "entrustment_id", "title",
                        "approval_state", "notice_hours", "late", "acknowledged_at", "content_sha256"],
                       ([n.receipt_number, when(n.filed_at), n.kind, n.filer.name, n.recipient.name, n.entrustment_id,
                         n.title, n.approval_state, n.notice_hours, n.late, when(n.acknowledged_at),
                         n.content_sha256] for n in notices))
    return section


def register() -> None:
    """Add the notifications' section to the evidence pack (called from notifications' init_app)."""
    register_section("notifications", build, order=60)
