"""What the request page marks after answers are carried over (audits.answer_changes, pure): each case names what
it protects."""

from __future__ import annotations

import pytest

from audits.answer_changes import changes
from audits.library import parse


def questionnaire(version: str, **edits) -> object:
    questions = [
        {"id": "policy", "category": "c", "type": "yes_no", "weight": 2, "guideline": "3-4-4",
         "text": {"ja": "基本方針がありますか。", "en": "Is there a basic policy?"},
         "choices": [{"code": "yes", "label": {"ja": "はい", "en": "Yes"}, "score": 1},
                     {"code": "no", "label": {"ja": "いいえ", "en": "No"}, "score": 0}]},
        {"id": "staff", "category": "c", "type": "number", "weight": 0, "guideline": "3-4-4",
         "text": {"ja": "従業者数", "en": "Staff"}},
    ]
    for question in questions:
        question.update(edits.get(question["id"], {}))
    questions += edits.get("added", [])
    return parse({"id": "t", "version": version, "purpose": "selection", "title": {"ja": "試験", "en": "Test"},
                  "categories": [{"id": "c", "title": {"ja": "区分", "en": "Category"}}], "questions": questions})


ADDED = {"id": "cloud", "category": "c", "type": "text", "weight": 0, "guideline": "3-4-4",
         "text": {"ja": "クラウドの利用", "en": "Cloud use"}}
CASES = {
    "answers carried over unchanged: nothing to mark": (
        {}, {"policy": True, "staff": 10}, {"policy": True, "staff": 10}, {}),
    "an answer changed after it was carried over is marked differs": (
        {}, {"policy": True}, {"policy": False}, {"policy": ("differs",)}),
    "an answer cleared after it was carried over is marked differs": (
        {}, {"staff": 10}, {}, {"staff": ("differs",)}),
    "a question answered only now is not an answer that differs": (
        {}, {}, {"staff": 12}, {}),
    "a question added in the new version is marked new": (
        {"added": [ADDED]}, {}, {}, {"cloud": ("new",)}),
    "a question asked with other words is marked changed": (
        {"policy": {"text": {"ja": "個人データの基本方針がありますか。", "en": "A policy for personal data?"}}},
        {"policy": True}, {"policy": True}, {"policy": ("changed",)}),
    "a question weighted differently is marked changed, and its changed answer too": (
        {"policy": {"weight": 5}}, {"policy": True}, {"policy": False}, {"policy": ("changed", "differs")}),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_marks(case):
    edits, before, now, expected = CASES[case]
    assert changes(questionnaire("1"), before, questionnaire("2", **edits), now) == expected


def test_without_the_earlier_questionnaire_only_answers_are_compared():
    q = questionnaire("2", added=[ADDED])
    assert changes(None, {"policy": True}, q, {"policy": False}) == {"policy": ("differs",)}
