"""The receipt (受領証) of a filed notification: its bilingual wording, printed as a PDF by `receipt`."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from oversight.errors import NotFound
from oversight.notifications.services import get_notification
from oversight.timeutil import JST

KIND_LABELS = {"original": ("初報", "First notice"), "follow_up": ("続報", "Follow-up"),
               "forward": ("転送（上位の委託元への報告）", "Forwarded up the chain")}
APPROVAL_LABELS = {
    "direct": ("直接の委託", "direct entrustment"), "approved": ("承認済みの再委託", "approved subcontract"),
    "notified": ("事後通知の再委託", "subcontract under notice-after terms"),
    "pending": ("未承認の再委託（承認待ち）", "unapproved subcontract (decision pending)"),
    "unapproved": ("未承認の再委託", "unapproved subcontract"),
    "unapproved_upstream": ("上位が未承認の再委託", "subcontract under an unapproved one"),
    "rejected": ("承認が拒否された再委託", "rejected subcontract"),
    "prohibited": ("再委託禁止の契約に反する再委託", "subcontract the contract prohibits"),
}


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(JST):%Y-%m-%d %H:%M:%S} (JST)" if moment else "—"


def receipt_document(actor, notification_id: int) -> tuple[str, bytes]:
    """The receipt (受領証) of a filed notification as a PDF, with its file name; the same bytes for the same
    notification (its acknowledgement, once given, is printed on it)."""
    from oversight.errors import Unavailable
    from oversight.notifications import receipt  # ReportLab loads only when a receipt is asked for

    n = get_notification(actor, notification_id)
    if not n.is_filed:
        raise NotFound(_l("A draft has no receipt."))
    kind_ja, kind_en = KIND_LABELS[n.kind]
    state_ja, state_en = APPROVAL_LABELS.get(n.approval_state, (n.approval_state, n.approval_state))
    if n.notice_hours:
        timely = ("期限超過 / LATE" if n.late else "期限内 / in time")
        clock = f"{n.notice_hours}時間 / {n.notice_hours} h — 期限 / due {_when(n.notice_due_at)} — {timely}"
    else:
        clock = "契約上の定めなし / no contractual term" if n.kind != "follow_up" else "—"
    rows = {
        "number": ("受付番号", "Receipt no.", n.receipt_number),
        "filed_at": ("受付日時（サーバー時刻）", "Received at (server time)", _when(n.filed_at)),
        "kind": ("区分", "Kind", f"{kind_ja} / {kind_en}"),
        "filer": ("報告者（委託先）", "From (contractor)", f"{n.filer.name}（{n.filed_by_name}）"),
        "recipient": ("報告先（委託元）", "To (consignor)", n.recipient.name),
        "entrustment": ("委託業務", "Entrustment", f"{n.entrustment.data_set}（{state_ja} / {state_en}）"),
        "title": ("件名", "Title", n.title),
        "known": ("報告者が知った日時", "Filer knew or suspected at", _when(n.filer_known_at)),
        "clock": ("契約上の報告期限", "Contractual notice term", clock),
    }
    if n.parent:
        rows["parent"] = ("続報の対象", "Follows up", f"{n.parent.receipt_number}  {n.parent.content_sha256}")
    if n.forwarded_from:
        source = n.forwarded_from
        rows["source"] = ("転送元の報告", "Forwards", f"{source.receipt_number}（{source.filer.name} → "
                          f"{source.recipient.name}、{_when(source.filed_at)}）  {source.content_sha256}")
    for i, a in enumerate(n.attachments, 1):
        rows[f"attachment{i}"] = (f"添付{i}", f"Attachment {i}", f"{a.filename}（{a.size:,} bytes） SHA-256 {a.sha256}")
    rows["hash"] = ("内容のSHA-256", "Content SHA-256", n.content_sha256)
    if n.acknowledged_at:
        rows["ack"] = ("受領確認", "Acknowledged", f"{_when(n.acknowledged_at)}（{n.acknowledged_by_name}）")
    footer = [
        "上記の報告が上記の日時に報告先に到達したことを証します（個人情報保護法26条1項ただし書）。"
        "内容のSHA-256は、報告の内容（件名・事実・本文・添付ファイルのハッシュ・受付情報）の正規化JSONから計算したもので、"
        "oversightに保存された報告と照合できます。",
        "This receipt certifies that the notification above reached its recipient at the time shown "
        "(APPI Art. 26(1) proviso). The content SHA-256 is computed over the canonical JSON of the notification "
        "(title, facts, text, attachment hashes, receipt data) and can be checked against the record in oversight.",
    ]
    try:
        pdf = receipt.render(("事故等報告 受領証", "Receipt of incident notification"), receipt.rows_from(rows),
                             footer, f"oversight {n.receipt_number} {n.content_sha256}")
    except receipt.FontMissing as error:
        current_app.logger.error("receipt PDF: %s", error)
        raise Unavailable(_l("The receipt PDF cannot be printed: the server lacks its Japanese font (IPAexGothic, "
                             "Debian package fonts-ipaexfont). The notification and its receipt are stored; ask "
                             "the operator to install the font.")) from error
    return f"receipt-{n.receipt_number}.pdf", pdf
