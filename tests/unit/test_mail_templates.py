"""Every mail oversight sends comes from a template under templates/email/: each renders for a sample of what
its caller passes, in Japanese first and English second, in its subject and in its body."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace as Obj

import jinja2
import pytest

from oversight import mail

AT = datetime(2026, 11, 23, 9, 4, 5, tzinfo=UTC)  # 18:04:05 in Japan
NOTIFICATION = Obj(
    id=12, kind="original", title="端末の紛失", receipt_number="R00003-000012", filed_at=AT, acknowledged_at=AT,
    filer=Obj(name="株式会社東都システム"), recipient=Obj(name="さくら商事株式会社"),
    entrustment=Obj(data_set="会員リスト"), content_sha256="ab" * 32, unapproved=True, late=True, notice_hours=72)
AUDIT = Obj(id=4, auditor=Obj(name="さくら商事株式会社"), vendor=Obj(name="UFサポート株式会社"),
            entrustment=Obj(data_set="会員データ"))
FINDING = Obj(id=9, severity="critical", title="登録されていない再委託先 / Subcontractor the registry does not have",
              detail="回答に記載された再委託先は登録されていません。", due_on=date(2026, 12, 7), status="open",
              owner_name="監査部 佐藤", auditor=Obj(name="さくら商事株式会社"), vendor=Obj(name="UFサポート株式会社"))

SAMPLES = {
    "audits/questionnaire_sent": {
        "request": Obj(id=3, vendor=Obj(name="株式会社東都システム"), due_on=date(2026, 12, 20),
                       message="よろしくお願いします。"),
        "selection": Obj(title="会員データの問合せ対応", consignor=Obj(name="さくら商事株式会社")),
        "questionnaire": Obj(title=Obj(ja="委託先選定時の安全管理措置の確認", en="Due diligence at selection"),
                             version="2026.1", questions=[1, 2, 3])},
    "audits/condition_overdue": {
        "request": Obj(id=3, vendor=Obj(name="株式会社東都システム")),
        "selection": Obj(title="会員データの問合せ対応", consignor=Obj(name="さくら商事株式会社")),
        "condition": Obj(text="SOC 2 Type II報告書の提出", owner="調達部", due_on=date(2026, 11, 20)),
        "days_over": 3},
    "audits/handling_report_missing": {
        "entrustment": Obj(id=4, data_set="会員の問合せ対応データ", consignor=Obj(name="さくら商事株式会社"),
                           contractor=Obj(name="株式会社東都システム")),
        "month": "2026-10", "due_on": date(2026, 11, 9), "days_over": 2},
    "audits/handling_report_missing_owner": {
        "entrustment": Obj(id=4, data_set="会員の問合せ対応データ", consignor=Obj(name="さくら商事株式会社"),
                           contractor=Obj(name="株式会社東都システム")),
        "month": "2026-10", "due_on": date(2026, 11, 9), "days_over": 2, "owner_name": "佐藤 花子"},
    "audits/handling_report_filed": {
        "entrustment": Obj(id=4, data_set="会員の問合せ対応データ", consignor=Obj(name="さくら商事株式会社"),
                           contractor=Obj(name="株式会社東都システム")),
        "month": "2026-10", "owner_name": "佐藤 花子", "filed_by": "東都 次郎",
        "attention": [{"label": Obj(ja="事故・ヒヤリハットの有無", en="Any incident or near miss this month"),
                       "answer_ja": "はい；内容：誤送付", "answer_en": "Yes; What happened: a misdirected mail"}]},
    "audits/answer_queried": {
        "audit": AUDIT, "question": Obj(text=Obj(ja="再委託先の一覧", en="The list of subcontractors")),
        "entry": Obj(comment="北斗オペレーションとの契約書を添付してください。")},
    "audits/finding_opened": {"finding": FINDING},
    "audits/finding_remediation": {"finding": FINDING, "event": Obj(author_name="高田", text="承認を申請した")},
    "audits/finding_closed": {"finding": FINDING, "event": Obj(author_name="監査部 佐藤", text="承認書を確認した")},
    "audits/finding_reopened": {"finding": FINDING, "event": Obj(author_name="監査部 佐藤", text="証跡が不足")},
    "audits/finding_overdue": {"finding": FINDING, "days_over": 3},
    "audits/finding_escalated": {"finding": FINDING, "days_over": 7},
    "audits/approval_condition_overdue": {
        "entrustment": Obj(contractor=Obj(name="UFサポート株式会社"), data_set="会員データ",
                           approval_conditions="年1回の実地監査を受け入れること"),
        "due_on": date(2026, 11, 20), "days_over": 3},
    "notifications/filed": {"n": NOTIFICATION},
    "notifications/acknowledged": {"n": NOTIFICATION},
    "notifications/escalated": {"n": NOTIFICATION, "hours": 24},
    "incidents/reminder": {"organisation": Obj(name="株式会社東都システム"), "incident": Obj(id=5, title="端末の紛失"),
                           "kind": "quick", "due": date(2026, 11, 25), "stage": "2d", "days_left": 2},
    "accounts/lockout": {"user": Obj(name="山田 太郎", email="taro@example.jp"), "until": AT},
    "outbox/bad_address": {"name": "さくら商事株式会社", "message_id": 7, "address": "taro@@example.jp",
                           "where_ja": "利用者「山田 太郎」", "where_en": "user “山田 太郎”",
                           "reason": "アドレスの形式が正しくありません / not a valid address",
                           "link": "https://oversight.example/organisations/3"},
    "trail/broken": {"result": Obj(first_bad_seq=17, reason="the hash differs"), "now": AT},
    "trail/anchor": {"anchor": Obj(seq=99, count=99, at=AT, to_line=lambda: "99 abcdef signature\n"),
                     "day": "2026-11-23", "at_utc": "2026-11-23T09:04:05Z"},
}
AUDIT = Obj(id=8, kind="questionnaire", due_on=date(2026, 12, 20), request_id=21, status="open", owner_name="",
            auditor=Obj(name="さくら商事株式会社"))
AUDIT_MAIL = {"audit": AUDIT, "entrustment": Obj(data_set="会員の問合せ対応データ"),
              "vendor": Obj(name="株式会社東都システム"), "auditor": Obj(name="さくら商事株式会社"),
              "due": date(2026, 12, 20), "stage": "3d", "days_left": 3}
SAMPLES.update({
    "audits/audit_opened": {**AUDIT_MAIL, "request": Obj(id=21, due_on=date(2026, 12, 20)), "questionnaire": Obj(
        title=Obj(ja="委託先定期監査質問票", en="Periodic vendor audit questionnaire"), version="2026.1",
        questions=[1, 2])},
    "audits/audit_reminder": AUDIT_MAIL,
    "audits/audit_visit_reminder": {**AUDIT_MAIL, "audit": Obj(id=7, kind="onsite", request_id=None)},
    "audits/audit_owner_reminder": {**AUDIT_MAIL, "stage": "overdue", "days_left": -2},
    "audits/audit_escalated": {**AUDIT_MAIL, "stage": "overdue", "days_left": -2},
    "audits/audit_answered": {**AUDIT_MAIL, "request": Obj(score_percent=82.5, blocked=True)},
})
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH = re.compile(r"\b[A-Za-z]{4,}\b")  # an English word, not a code such as JST


def test_every_template_has_a_sample_here():
    assert mail.templates() == sorted(SAMPLES)


@pytest.mark.parametrize("template", SAMPLES)
def test_every_mail_reads_in_japanese_first_and_english_second(app, monkeypatch, template):
    monkeypatch.setitem(app.config, "BASE_URL", "https://oversight.example/")
    with app.app_context():
        subject, body = mail.render(template, **SAMPLES[template])
    assert subject.startswith("【oversight】") and "\n" not in subject
    for text in (subject, body):
        japanese, english = JAPANESE.search(text), ENGLISH.search(text.replace("【oversight】", ""))
        assert japanese and english, text
        assert japanese.start() < english.start(), text
    assert "{{" not in body and "{%" not in body


def test_links_in_a_mail_start_at_the_configured_address(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://oversight.example/")
    with app.app_context():
        _subject, body = mail.render("notifications/filed", n=NOTIFICATION)
    assert body.endswith("https://oversight.example/notifications/12")
    assert "受付日時 / Received at: 2026-11-23 18:04:05 (JST)" in body


def test_a_name_missing_from_the_context_is_an_error_not_a_blank(app):
    with app.app_context(), pytest.raises(jinja2.UndefinedError):
        mail.render("notifications/escalated", n=NOTIFICATION)
