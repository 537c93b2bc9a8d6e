"""Scoring rules that need a questionnaire of their own (the rest are the YAML cases in tests/audits/cases/)."""

from __future__ import annotations

from datetime import date

from audits.library import parse
from audits.scoring import progress, score


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


def test_the_progress_the_autosave_counts_is_what_the_score_counts_for_every_case_and_a_stale_date():
    """audits.scoring.progress skips the scoring: it must count exactly the answered and applicable questions the
    score does, follow-up questions and malformed (stale) answers included."""
    import random

    from audits import library
    from audits.answers import AnswerError
    from tests.audits.answers import best_answers

    day = date(2026, 4, 1)
    rng = random.Random(16)
    for questionnaire_id in ("dd-selection", "triage"):
        q = library.current(questionnaire_id)
        best = best_answers(q, day)
        for _ in range(60):
            answers = {k: v for k, v in best.items() if rng.random() < 0.7}
            for question in q.questions:  # flip some yes/no answers, so that follow-ups apply or not
                if question.type == "yes_no" and question.id in answers and rng.random() < 0.3:
                    answers[question.id] = not answers[question.id]
            if rng.random() < 0.3:  # an expiry date that has passed since it was given
                dates = [x.id for x in q.questions if x.type == "date" and x.dates == "future"]
                if dates:
                    answers[dates[0]] = "2020-01-01"
            try:
                scored = score(q, answers, as_of=day)
            except AnswerError as error:
                scored = score(q, {k: v for k, v in answers.items() if k not in error.errors}, as_of=day)
            applicable = [line for line in scored.questions if line.status != "skipped"]
            expected = (sum(1 for line in applicable if line.status in ("answered", "not_applicable")),
                        len(applicable))
            assert progress(q, answers, as_of=day) == expected
