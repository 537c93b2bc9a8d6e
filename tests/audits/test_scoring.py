"""Scoring rules that need a questionnaire of their own (the rest are the YAML cases in tests/audits/cases/)."""

from __future__ import annotations

from datetime import date

from audits.library import parse
from audits.scoring import score


def tenths() -> dict:
    return {
        "id": "tenths", "version": "1", "purpose": "periodic", "title": {"ja": "十分の一", "en": "Tenths"},
        "categories": [{"id": "c", "title": {"ja": "区分", "en": "Category"}}],
        "questions": [{"id": "measures", "category": "c", "type": "multiple_choice", "weight": 3, "guideline": "x",
                       "text": {"ja": "対策", "en": "Measures"},
                       "choices": [{"code": f"m{i}", "label": {"ja": f"対策{i}", "en": f"Measure {i}"}, "score": 0.1}
                                   for i in range(10)]}],
    }


def test_ten_measures_worth_a_tenth_each_earn_the_whole_weight_and_count_as_compliant():
    questionnaire = parse(tenths())
    result = score(questionnaire, {"measures": [f"m{i}" for i in range(10)]}, as_of=date(2026, 4, 1))
    line = result.questions[0]
    assert (line.earned, line.lost, line.result, result.percent) == (3, 0, "compliant", 100.0)
    assert line.why.ja == "回答「対策0、対策1、対策2、対策3、対策4、対策5、対策6、対策7、対策8、対策9」：3点中3点"
