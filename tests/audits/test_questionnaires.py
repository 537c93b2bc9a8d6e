"""The shipped questionnaires ask what the guideline and the issue require, in Japanese first, and say where from."""

from __future__ import annotations

import gettext
import re
from datetime import date
from pathlib import Path

import pytest

from audits.answers import ANSWER_MESSAGES, translated
from audits.library import AGGREGATES, QUESTIONNAIRES_DIR, RESULTS, SEVERITIES, TYPES, current, load_all
from audits.scoring import AnswerError, score

ROOT = Path(__file__).resolve().parents[2]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_the_library_holds_a_selection_a_triage_and_a_periodic_questionnaire_of_realistic_size():
    by_purpose = {q.purpose: q for q in load_all().values()}
    assert set(by_purpose) == {"selection", "triage", "periodic"}
    assert 40 <= len(by_purpose["selection"].questions) <= 80
    assert 8 <= len(by_purpose["triage"].questions) <= 12
    assert 12 <= len(by_purpose["periodic"].questions) <= 30


@pytest.mark.parametrize("item", ["10-1", "10-2", "10-3 (1)", "10-3 (2)", "10-3 (3)", "10-3 (4)", "10-3 (5)", "10-4",
                                  "10-5 (1)", "10-5 (2)", "10-5 (3)", "10-5 (4)", "10-6 (1)", "10-6 (2)", "10-6 (3)",
                                  "10-6 (4)", "10-7"])
def test_due_diligence_checks_each_item_of_the_guideline_annex(item):
    questions = [q for q in current("dd-selection").questions if f"通則編 {item}" in q.guideline]
    assert any(q.weight > 0 for q in questions), f"no scored question checks 通則編 {item}"


def test_due_diligence_asks_what_the_issue_lists_beyond_the_annex():
    dd = current("dd-selection")
    assert {"certifications", "incidents", "subcontracting", "external_environment", "deletion_return"} <= {
        c.id for c in dd.categories}
    expiry = dd.question("cert_isms_expiry")
    assert expiry.type == "date" and expiry.bands[0].red_flag is not None and expiry.bands[0].up_to == -1
    assert dd.question("sub_practice").choice("without_approval").red_flag.severity == "blocker"
    assert dd.question("ext_transfer_basis").choice("equivalent_measures") is not None
    evidence = {q.id for q in dd.questions if q.type == "evidence"}
    assert {"bp_policy_doc", "cert_isms_doc", "sub_list_doc"} <= evidence


def test_every_question_names_the_guideline_item_or_reference_it_checks_and_speaks_japanese_first():
    for questionnaire in load_all().values():
        for question in questionnaire.questions:
            assert question.guideline.strip(), question.id
            assert JAPANESE.search(question.text.ja), question.id
            assert question.text.en and not JAPANESE.search(question.text.en), question.id
            for flag in [c.red_flag for c in question.choices] + [b.red_flag for b in question.bands]:
                if flag:
                    assert JAPANESE.search(flag.reason.ja) and not JAPANESE.search(flag.reason.en), question.id
        for category in questionnaire.categories:
            assert JAPANESE.search(category.title.ja), category.id


def test_the_blank_questionnaire_lists_every_required_question_as_unanswered():
    triage = current("triage")
    result = score(triage, {}, as_of=date(2026, 4, 1))
    assert result.percent == 0.0
    assert result.unanswered_required == tuple(q.id for q in triage.questions)
    assert result.red_flags == ()


def test_the_readme_documents_every_type_result_severity_and_aggregate():
    readme = (QUESTIONNAIRES_DIR / "README.md").read_text(encoding="utf-8")
    for word in (*TYPES, *RESULTS, *SEVERITIES, *AGGREGATES):
        assert f"`{word}`" in readme, word


def test_each_refused_answer_is_explained_in_japanese_naming_the_limit():
    catalogue = gettext.translation("messages", localedir=ROOT / "oversight/translations", languages=["ja_JP"])
    dd = current("dd-selection")
    with pytest.raises(AnswerError) as caught:
        score(dd, {"org_notice_hours": 9000, "tec_protection": ["firewall", "none"], "bp_policy": "はい"},
              as_of=date(2026, 4, 1))
    shown = {question: [translated(e, catalogue.gettext) for e in entries]
             for question, entries in caught.value.errors.items()}
    assert shown == {"org_notice_hours": ["8,760以下を入力してください。"],
                     "tec_protection": ["「いずれも講じていない / None of these」は他の回答と同時に選べません。"],
                     "bp_policy": ["「はい」か「いいえ」で回答してください。"]}
    assert translated(caught.value.errors["org_notice_hours"][0], lambda m: m) == "Enter 8,760 or less."
    assert all(catalogue.gettext(m) != m for m in ANSWER_MESSAGES.values())
