"""The Excel round trip of a questionnaire: exported with drop-downs and the answers so far, filled in, read back
with each bad cell named, applied all or nothing."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from audits import responses, roundtrip, workbook
from audits.demo import GOOD
from audits.models import QuestionnaireRequest
from oversight.errors import ValidationFailed
from oversight.extensions import db
from oversight.timeutil import today_jst
from oversight.trail.models import TrailRecord
from tests.audits.selection_world import gen_selection_world


@pytest.fixture
def world():
    return gen_selection_world()


def _fill(content: bytes, answers: dict[str, object], *, rename: dict[str, str] | None = None) -> bytes:
    book = load_workbook(io.BytesIO(content))
    sheet = book[workbook.SHEET]
    for row in range(workbook.FIRST_ROW, sheet.max_row + 1):
        question_id = sheet.cell(row=row, column=1).value
        if question_id in (rename or {}):
            sheet.cell(row=row, column=1, value=rename[question_id])
        if question_id in answers:
            sheet.cell(row=row, column=workbook.ANSWER_COLUMN, value=answers[question_id])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_export_offers_the_answers_as_drop_downs_and_carries_the_answers_so_far(world):
    responses.save_answers(world.shared_staff, world.shared_request.id, {"sub_practice": "prior_approval"})
    _name, content = roundtrip.export_workbook(world.procurement, world.shared_request.id)
    sheet = load_workbook(io.BytesIO(content))[workbook.SHEET]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(workbook.FIRST_ROW, sheet.max_row + 1)}
    answer = sheet.cell(row=rows["sub_practice"], column=workbook.ANSWER_COLUMN).value
    assert answer == "委託元の事前の書面承認を得て再委託する"
    cells = {str(cell) for v in sheet.data_validations.dataValidation for cell in v.sqref.ranges}
    assert f"H{rows['sub_practice']}" in cells and f"H{rows['bp_policy']}" in cells


def test_a_filled_workbook_is_applied_in_one_go_and_recorded(world):
    _name, blank = roundtrip.export_workbook(world.other_staff, world.other_request.id)
    filled = _fill(blank, {"bp_policy": "はい", "sub_practice": "委託元の承認なく再委託する",
                           "org_notice_hours": 48, "att_responder": "情報システム部 高田"})
    request = roundtrip.import_workbook(world.other_staff, world.other_request.id, filled)
    values = request.values()
    assert values["bp_policy"] is True and values["sub_practice"] == "without_approval"
    assert values["org_notice_hours"] == 48 and values["att_responder"] == "情報システム部 高田"
    record = db.session.scalar(select(TrailRecord).where(TrailRecord.action == "questionnaire_import"))
    assert record.after["answers"] == 4 and len(record.after["workbook_sha256"]) == 64


def test_a_workbook_with_a_changed_question_id_or_an_invalid_choice_is_refused_cell_by_cell(world):
    responses.save_answers(world.other_staff, world.other_request.id, {"bp_policy": False})
    _name, blank = roundtrip.export_workbook(world.other_staff, world.other_request.id)
    bad = _fill(blank, {"bp_policy": "はい", "sub_practice": "たぶん", "org_notice_hours": "すぐ"},
                rename={"hr_rules": "hr_rulez"})
    with pytest.raises(ValidationFailed) as refused:
        roundtrip.import_workbook(world.other_staff, world.other_request.id, bad)
    messages = {cell: " ".join(str(m) for m in ms) for cell, ms in refused.value.errors.items()}
    assert any("hr_rulez" in m for cell, m in messages.items() if cell.startswith("A"))
    assert any("たぶん" in m for m in messages.values())
    assert any("数値を入力してください" in m for m in messages.values())
    db.session.rollback()
    assert db.session.get(QuestionnaireRequest, world.other_request.id).values() == {"bp_policy": False}


def test_a_workbook_of_another_version_or_not_a_workbook_is_refused(world):
    _name, content = roundtrip.export_workbook(world.other_staff, world.other_request.id)
    book = load_workbook(io.BytesIO(content))
    book[workbook.SHEET]["C3"] = "1999.1"
    out = io.BytesIO()
    book.save(out)
    result = roundtrip.read_workbook(world.other_staff, world.other_request.id, out.getvalue())
    assert [p.code for p in result.problems] == ["other_version"]
    assert [p.code for p in roundtrip.read_workbook(world.other_staff, world.other_request.id,
                                                    b"%PDF-1.4 not a workbook").problems] == ["not_a_workbook"]


def test_a_complete_workbook_round_trip_lets_the_vendor_submit(world):
    soon = (today_jst() + timedelta(days=400)).isoformat()
    q = responses.questionnaire_of(world.other_request)
    answers = {**GOOD, "cert_isms_expiry": soon, "org_last_audit": (today_jst() - timedelta(days=90)).isoformat(),
               "hum_last_training": (today_jst() - timedelta(days=30)).isoformat()}
    shown = {k: workbook.shown_answer(q.question(k), v) for k, v in answers.items()}
    _name, blank = roundtrip.export_workbook(world.other_staff, world.other_request.id)
    request = roundtrip.import_workbook(world.other_staff, world.other_request.id, _fill(blank, shown))
    assert request.values()["cert_isms_expiry"] == soon
    assert all(q.question(qid).type == "evidence" for qid in responses.current_score(request).unanswered_required)


def test_a_multiple_choice_cell_offers_its_choices_and_takes_several_joined_by_the_japanese_comma(world):
    responses.save_answers(world.other_staff, world.other_request.id, {"cert_held": ["isms", "other"]})
    _name, content = roundtrip.export_workbook(world.other_staff, world.other_request.id)
    sheet = load_workbook(io.BytesIO(content))[workbook.SHEET]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(workbook.FIRST_ROW, sheet.max_row + 1)}
    cell = f"H{rows['cert_held']}"
    assert sheet[cell].value == "ISMS（ISO/IEC 27001）、その他（ISMAP、ISO/IEC 27017等）"
    (validation,) = [v for v in sheet.data_validations.dataValidation
                     if cell in {str(r) for r in v.sqref.ranges}]
    assert validation.type == "list" and validation.errorStyle == "information"
    assert "「、」" in validation.prompt
    # The exported answer comes back as it was, though one label holds a 「、」 of its own.
    request = roundtrip.import_workbook(world.other_staff, world.other_request.id, content)
    assert request.values()["cert_held"] == ["isms", "other"]
    typed = _fill(content, {"cert_held": "プライバシーマーク、 SOC 2 Type 2 report,isms"})
    request = roundtrip.import_workbook(world.other_staff, world.other_request.id, typed)
    assert request.values()["cert_held"] == ["isms", "pmark", "soc2"]  # kept in the questionnaire's order


def test_a_multiple_choice_cell_with_an_unknown_part_is_refused_naming_it(world):
    _name, blank = roundtrip.export_workbook(world.other_staff, world.other_request.id)
    bad = _fill(blank, {"cert_held": "プライバシーマーク、JIS Q 15001"})
    with pytest.raises(ValidationFailed) as refused:
        roundtrip.import_workbook(world.other_staff, world.other_request.id, bad)
    assert any("JIS Q 15001" in str(m) for ms in refused.value.errors.values() for m in ms)
    assert "cert_held" not in db.session.get(QuestionnaireRequest, world.other_request.id).values()
