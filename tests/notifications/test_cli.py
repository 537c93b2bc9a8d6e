"""A vendor's script files from the command line with the README's example shape; a receipt can be checked later."""

import json

from oversight.extensions import db
from oversight.notifications.models import Notification
from tests.factories import SUSPECTED_LEAK


def test_a_script_files_as_the_vendors_user_and_the_receipt_verifies(app, chain, tmp_path):
    notice = tmp_path / "notice.json"
    notice.write_text(json.dumps({"entrustment_id": chain.call_centre.id, "title": "端末の不審通信",
                                  "facts": SUSPECTED_LEAK}, ensure_ascii=False), encoding="utf-8")
    report = tmp_path / "初動報告.pdf"
    report.write_bytes(b"%PDF-1.4\n%%EOF\n")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["file-notification", "--as", "staff@uf.example", "--attach", str(report), str(notice)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["status"] == "filed" and printed["recipient"] == "株式会社東都システム"
    assert db.session.get(Notification, printed["id"]).attachments[0].filename == "初動報告.pdf"

    verified = runner.invoke(args=["verify-notification", str(printed["id"])])
    assert verified.exit_code == 0 and printed["receipt_number"] in verified.output


def test_a_script_filing_for_someone_elses_engagement_exits_2_and_stores_nothing(app, chain, tmp_path):
    notice = tmp_path / "notice.json"
    notice.write_text(json.dumps({"entrustment_id": chain.call_centre.id, "title": "x", "facts": SUSPECTED_LEAK}))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["file-notification", "--as", "staff@toto.example", str(notice)])
    assert result.exit_code == 2 and "entrustment_id: " in result.output
    assert db.session.query(Notification).count() == 0
