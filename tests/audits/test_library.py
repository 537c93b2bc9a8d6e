"""The questionnaire library refuses a broken file with a message naming the file and the field, and loads nothing."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from audits.cli import check_questionnaires
from audits.library import (
    QUESTIONNAIRES_DIR,
    LibraryError,
    Problem,
    current,
    freeze,
    load_all,
    load_file,
    parse,
    thaw,
    to_data,
)
from audits.scoring import score
from tests.audits.answers import best_answers

ROOT = Path(__file__).resolve().parents[2]

VALID = {
    "id": "small",
    "version": "1.0",
    "purpose": "selection",
    "title": {"ja": "小さな質問票", "en": "A small questionnaire"},
    "source": "tests",
    "categories": [{"id": "policy", "title": {"ja": "方針", "en": "Policy"}}],
    "questions": [
        {"id": "has_policy", "category": "policy", "type": "yes_no", "weight": 2, "guideline": "通則編 10-1",
         "text": {"ja": "基本方針はありますか。", "en": "Do you have a policy?"}},
        {"id": "review", "category": "policy", "type": "single_choice", "weight": 1, "guideline": "通則編 10-1",
         "depends_on": {"question": "has_policy", "answers": ["yes"]},
         "text": {"ja": "見直しの頻度", "en": "How often is it reviewed?"},
         "choices": [{"code": "yearly", "label": {"ja": "年1回", "en": "Yearly"}, "score": 1},
                     {"code": "never", "label": {"ja": "しない", "en": "Never"}, "score": 0,
                      "red_flag": {"severity": "medium", "reason": {"ja": "見直さない", "en": "Never reviewed"}}}]},
        {"id": "hours", "category": "policy", "type": "number", "weight": 1, "guideline": "通則編 10-3 (4)",
         "text": {"ja": "報告までの時間", "en": "Hours to notify"},
         "bands": [{"up_to": 24, "label": {"ja": "24時間以内", "en": "within 24 hours"}, "score": 1},
                   {"label": {"ja": "24時間超", "en": "over 24 hours"}, "score": 0}]},
    ],
}


def write(directory: Path, data: dict, name: str = "small.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def refused(tmp_path: Path, mutate) -> list[Problem]:
    data = copy.deepcopy(VALID)
    mutate(data)
    write(tmp_path, data)
    with pytest.raises(LibraryError) as caught:
        load_all(tmp_path)
    return caught.value.problems


def question(data: dict, question_id: str) -> dict:
    return next(q for q in data["questions"] if q["id"] == question_id)


def test_the_valid_example_loads(tmp_path):
    write(tmp_path, VALID)
    library = load_all(tmp_path)
    assert list(library) == [("small", "1.0")]
    assert library["small", "1.0"].question("review").depends_on.answers == ("yes",)


REFUSALS = [
    ("a duplicate question id",
     lambda d: d["questions"].append({**copy.deepcopy(d["questions"][0])}),
     "questions.has_policy", "duplicate question id"),
    ("a question in an unknown category",
     lambda d: question(d, "hours").update(category="physical"),
     "questions.hours.category", "unknown category 'physical'"),
    ("a choice question without choices",
     lambda d: question(d, "review").pop("choices"),
     "questions.review.choices", "needs a list of choices"),
    ("choices on a number question",
     lambda d: question(d, "hours").update(choices=[{"code": "x", "label": {"ja": "x", "en": "x"}, "score": 1}]),
     "questions.hours.choices", "a number question takes no choices"),
    ("choices on a text question",
     lambda d: d["questions"].append({"id": "note", "category": "policy", "type": "text", "guideline": "x",
                                      "text": {"ja": "備考", "en": "Note"},
                                      "choices": [{"code": "a", "label": {"ja": "a", "en": "a"}, "score": 1}]}),
     "questions.note.choices", "a text question takes no choices"),
    ("a negative weight",
     lambda d: question(d, "has_policy").update(weight=-1),
     "questions.has_policy.weight", "cannot be negative"),
    ("a weight that is not a number",
     lambda d: question(d, "has_policy").update(weight="high"),
     "questions.has_policy.weight", "must be a number, not 'high'"),
    ("a weight given as true",
     lambda d: question(d, "has_policy").update(weight=True),
     "questions.has_policy.weight", "must be a number"),
    ("a missing weight",
     lambda d: question(d, "has_policy").pop("weight"),
     "questions.has_policy.weight", "needs a weight"),
    ("a dependency on a later question",
     lambda d: question(d, "has_policy").update(depends_on={"question": "review", "answers": ["yearly"]}),
     "questions.has_policy.depends_on.question", "'review' is unknown or comes later"),
    ("a dependency on an unknown question",
     lambda d: question(d, "review").update(depends_on={"question": "nothing", "answers": ["yes"]}),
     "questions.review.depends_on.question", "'nothing' is unknown or comes later"),
    ("a dependency on a question that is not a choice",
     lambda d: d["questions"].append({"id": "after_hours", "category": "policy", "type": "yes_no", "weight": 1,
                                      "guideline": "x", "text": {"ja": "後", "en": "After"},
                                      "depends_on": {"question": "hours", "answers": ["24"]}}),
     "questions.after_hours.depends_on.question", "only a yes/no or choice question can be depended on"),
    ("a dependency on a choice the earlier question does not have",
     lambda d: question(d, "review").update(depends_on={"question": "has_policy", "answers": ["maybe"]}),
     "questions.review.depends_on.answers", "'has_policy' has no choice 'maybe'"),
    ("a red flag without a severity",
     lambda d: question(d, "review")["choices"][1]["red_flag"].pop("severity"),
     "questions.review.choices.never.red_flag.severity", "a red flag needs a severity"),
    ("a red flag with an unknown severity",
     lambda d: question(d, "review")["choices"][1]["red_flag"].update(severity="critical"),
     "questions.review.choices.never.red_flag.severity", "blocker, high, medium, low"),
    ("a red flag without a reason",
     lambda d: question(d, "review")["choices"][1]["red_flag"].pop("reason"),
     "questions.review.choices.never.red_flag.reason", "a red flag needs a reason"),
    ("a question without English text",
     lambda d: question(d, "has_policy")["text"].pop("en"),
     "questions.has_policy.text.en", "missing English text"),
    ("a choice label without Japanese text",
     lambda d: question(d, "review")["choices"][0]["label"].update(ja="  "),
     "questions.review.choices.yearly.label.ja", "missing Japanese text"),
    ("a category title without any text",
     lambda d: d["categories"][0].pop("title"),
     "categories.policy.title", "needs Japanese (ja) and English (en) text"),
    ("an unknown key on a question",
     lambda d: question(d, "has_policy").update(wieght=2),
     "questions.has_policy.wieght", "unknown key for a question"),
    ("an unknown key at the top",
     lambda d: d.update(owner="legal"),
     "owner", "unknown key for a questionnaire"),
    ("an unknown key on a choice",
     lambda d: question(d, "review")["choices"][0].update(points=1),
     "questions.review.choices.yearly.points", "unknown key for a choice"),
    ("a key of another question type",
     lambda d: question(d, "has_policy").update(bands=[]),
     "questions.has_policy.bands", "not used by a yes_no question"),
    ("a score above 1",
     lambda d: question(d, "review")["choices"][0].update(score=2),
     "questions.review.choices.yearly.score", "needs a score from 0 to 1"),
    ("a not-applicable choice with a score",
     lambda d: question(d, "review")["choices"][0].update(result="not_applicable"),
     "questions.review.choices.yearly.score", "a not-applicable answer takes no score"),
    ("an unknown result",
     lambda d: question(d, "review")["choices"][0].update(result="ok"),
     "questions.review.choices.yearly.result", "must be one of compliant, partial, non_compliant, not_applicable"),
    ("a duplicate choice code",
     lambda d: question(d, "review")["choices"][1].update(code="yearly"),
     "questions.review.choices.yearly", "duplicate choice code"),
    ("a yes/no question with another choice",
     lambda d: question(d, "has_policy").update(choices=[{"code": "maybe", "score": 0.5}]),
     "questions.has_policy.choices[0].code", "only the choices yes and no"),
    ("bands that go down",
     lambda d: question(d, "hours")["bands"].insert(1, {"up_to": 12, "label": {"ja": "a", "en": "a"}, "score": 1}),
     "questions.hours.bands[1].up_to", "bands must go up"),
    ("a last band with an upper bound",
     lambda d: question(d, "hours")["bands"][-1].update(up_to=48),
     "questions.hours.bands[1].up_to", "the last band takes no up_to"),
    ("a scored number question without bands",
     lambda d: question(d, "hours").pop("bands"),
     "questions.hours.weight", "a number question without bands is not scored: its weight must be 0"),
    ("a text question with a weight",
     lambda d: d["questions"].append({"id": "note", "category": "policy", "type": "text", "weight": 2,
                                      "guideline": "x", "text": {"ja": "備考", "en": "Note"}}),
     "questions.note.weight", "a text question is not scored"),
    ("a question without the guideline item it checks",
     lambda d: question(d, "has_policy").pop("guideline"),
     "questions.has_policy.guideline", "must be a non-empty text"),
    ("an unknown question type",
     lambda d: question(d, "has_policy").update(type="scale"),
     "questions.has_policy.type", "must be one of yes_no, single_choice"),
    ("an unknown purpose",
     lambda d: d.update(purpose="audit"),
     "purpose", "must be one of selection, periodic, triage"),
    ("an unquoted version",
     lambda d: d.update(version=1.0),
     "version", "needs a quoted version"),
    ("a category without questions",
     lambda d: d["categories"].append({"id": "empty", "title": {"ja": "空", "en": "Empty"}}),
     "categories.empty", "has no questions"),
]


@pytest.mark.parametrize(("mutate", "field", "message"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_a_broken_questionnaire_is_refused_naming_the_file_and_the_field(tmp_path, mutate, field, message):
    problems = refused(tmp_path, mutate)
    assert any(p.file == "small.yaml" and p.field == field and message in p.message for p in problems), problems


def test_a_duplicate_id_and_version_in_two_files_is_refused_naming_the_second_file(tmp_path):
    write(tmp_path, VALID, "a-small.yaml")
    write(tmp_path, VALID, "b-small.yaml")
    with pytest.raises(LibraryError) as caught:
        load_all(tmp_path)
    assert caught.value.problems == [Problem("b-small.yaml", "version",
                                             "small version 1.0 is already defined in a-small.yaml")]


def test_two_versions_of_one_questionnaire_live_side_by_side_and_the_highest_is_current(tmp_path):
    write(tmp_path, {**VALID, "version": "2026.9"}, "small-old.yaml")
    write(tmp_path, {**VALID, "version": "2026.10"}, "small.yaml")
    assert sorted(load_all(tmp_path)) == [("small", "2026.10"), ("small", "2026.9")]
    assert current("small", tmp_path).version == "2026.10"
    with pytest.raises(KeyError):
        current("nothing", tmp_path)


def test_every_problem_in_every_file_is_listed_at_once_and_nothing_is_loaded(tmp_path):
    broken = copy.deepcopy(VALID)
    question(broken, "has_policy")["weight"] = -2
    question(broken, "hours")["category"] = "nowhere"
    write(tmp_path, broken, "one.yaml")
    write(tmp_path, {**VALID, "id": "other", "purpose": "yearly"}, "two.yaml")
    (tmp_path / "three.yaml").write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(LibraryError) as caught:
        load_all(tmp_path)
    where = {(p.file, p.field) for p in caught.value.problems}
    assert {("one.yaml", "questions.has_policy.weight"), ("one.yaml", "questions.hours.category"),
            ("two.yaml", "purpose"), ("three.yaml", "(file)")} <= where


def test_unquoted_yes_and_no_are_read_as_the_codes_a_lawyer_meant(tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text(
        "id: plain\nversion: '1.0'\npurpose: triage\ntitle: {ja: 簡易, en: Plain}\n"
        "categories: [{id: c, title: {ja: 区分, en: Category}}]\n"
        "questions:\n"
        "  - {id: subcontracts, category: c, type: yes_no, weight: 1, guideline: x, text: {ja: 再委託, en: Sub},\n"
        "     choices: [{code: no, score: 0, red_flag: {severity: high, reason: {ja: 理由, en: Why}}}]}\n"
        "  - {id: approval, category: c, type: yes_no, weight: 1, guideline: x, text: {ja: 承認, en: Approval},\n"
        "     depends_on: {question: subcontracts, answers: [yes]}}\n", encoding="utf-8")
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["questions"][0]["choices"][0]["code"] is False
    loaded = load_file(path)
    assert loaded.question("approval").depends_on.answers == ("yes",)
    no = loaded.question("subcontracts").choice("no")
    assert (no.score, no.result, no.red_flag.severity, no.label.ja) == (0, "non_compliant", "high", "いいえ")


@pytest.mark.parametrize("name", ["dd-selection", "triage", "periodic"])
def test_a_frozen_questionnaire_thaws_to_the_same_questionnaire(name):
    questionnaire = current(name)
    content, digest = freeze(questionnaire)
    thawed = thaw(content, digest)
    assert thawed == questionnaire
    assert freeze(thawed) == (content, digest)
    assert json.loads(content)["id"] == name


def test_the_frozen_json_is_canonical_whatever_the_yaml_spelling(tmp_path):
    spelled = copy.deepcopy(VALID)
    question(spelled, "has_policy")["weight"] = 2.0
    question(spelled, "has_policy")["required"] = True
    spelled["questions"][1]["depends_on"]["answers"] = "yes"
    assert freeze(parse(spelled)) == freeze(parse(VALID))
    assert to_data(parse(VALID))["questions"][0]["choices"][0] == {
        "code": "yes", "label": {"ja": "はい", "en": "Yes"}, "score": 1, "result": "compliant"}


def test_editing_the_yaml_after_freezing_changes_the_hash_but_not_the_frozen_copy(tmp_path):
    path = tmp_path / "dd-selection.yaml"
    shutil.copy(QUESTIONNAIRES_DIR / "dd-selection.yaml", path)
    sent, sent_digest = freeze(load_file(path))
    original = "委託元の承認なく再委託する"
    path.write_text(path.read_text(encoding="utf-8").replace(original, "委託元に無断で再委託する"), encoding="utf-8")
    edited, edited_digest = freeze(load_file(path))
    assert edited_digest != sent_digest
    frozen = thaw(sent, sent_digest)
    assert frozen.question("sub_practice").choice("without_approval").label.ja == original
    assert load_file(path).question("sub_practice").choice("without_approval").label.ja == "委託元に無断で再委託する"
    as_of = date(2026, 4, 1)
    result = score(frozen, {**best_answers(frozen, as_of), "sub_practice": "without_approval"}, as_of=as_of)
    assert result.red_flags[0].answer.ja == original


def test_a_frozen_copy_that_does_not_match_its_hash_is_refused():
    content, digest = freeze(current("triage"))
    tampered = content.replace("再委託".encode(), "外注".encode())
    with pytest.raises(LibraryError) as caught:
        thaw(tampered, digest)
    assert caught.value.problems == [Problem("<frozen>", "sha256", "the frozen questionnaire does not match its hash")]


def test_a_frozen_copy_goes_through_the_same_checks_as_a_file():
    data = to_data(current("triage"))
    data["questions"][0]["weight"] = -1
    with pytest.raises(LibraryError) as caught:
        thaw(json.dumps(data, ensure_ascii=False))
    assert [(p.file, p.field) for p in caught.value.problems] == [("<frozen>", "questions.tri_policy_rules.weight")]
    with pytest.raises(LibraryError):
        thaw(b"\xff not json")


def test_check_questionnaires_lists_the_library_and_exits_0():
    result = CliRunner().invoke(check_questionnaires, [])
    assert result.exit_code == 0, result.output
    assert "dd-selection 2026.2 (selection): 63 questions in 12 categories" in result.output
    assert "questionnaires OK: 3" in result.output


def test_check_questionnaires_prints_one_line_per_problem_and_exits_1(tmp_path):
    broken = copy.deepcopy(VALID)
    question(broken, "has_policy")["weight"] = -1
    question(broken, "review")["depends_on"]["question"] = "hours"
    write(tmp_path, broken)
    result = CliRunner().invoke(check_questionnaires, ["--dir", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [
        "small.yaml: questions.has_policy.weight: cannot be negative",
        "small.yaml: questions.review.depends_on.question: must name an earlier question; 'hours' is unknown or "
        "comes later",
        "2 problem(s); nothing loaded",
    ]


def test_the_library_and_scoring_import_neither_flask_nor_the_database():
    code = ("import sys, datetime\n"
            "from audits.library import current\nfrom audits.scoring import score\n"
            "q = current('dd-selection')\n"
            "score(q, {'sub_practice': 'none'}, as_of=datetime.date(2026, 4, 1))\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'sqlalchemy', 'flask_sqlalchemy', 'psycopg', 'werkzeug', 'oversight', 'click') "
            # the corporate number's check digit: the core's one pure rule, which declarations apply
            "and m not in ('oversight', 'oversight.corporate_number')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
