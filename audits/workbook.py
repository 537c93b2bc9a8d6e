"""The Excel round trip of a questionnaire (pure: openpyxl, no Flask, no database).

`export(questionnaire, values, header)` writes one row per question — its id, category, Japanese and English
text, what it takes — with the answer in column H; choice questions get a drop-down of their answers' labels (a
hidden sheet lists them), so a vendor picks rather than types. The questionnaire's id, version and SHA-256 sit
in the sheet's header, so `read(content, questionnaire, sha256, as_of)` refuses a workbook made for another
version. `read` returns the answers it found and, per cell, what is wrong; it never stores anything — applying
is the caller's, all or nothing.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from audits.answers import AnswerError, check_answers
from audits.questionnaire import Question, Questionnaire

SHEET = "回答 Answers"
CHOICES_SHEET = "choices"
FIRST_ROW = 6  # rows 1-4: the header, row 5: column titles
ANSWER_COLUMN = 8
MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED = 50 * 1024 * 1024
SEPARATORS = ("、", ",", "\n", ";")
COLUMNS = ("質問ID / id", "区分 / category", "質問 / question (ja)", "question (en)", "種類 / type",
           "必須 / required", "選択肢 / answers", "回答 / your answer")


def N_(text: str) -> str:
    """Marks a msgid for extraction; translated where it is shown."""
    return text


MESSAGES = {
    "not_a_workbook": N_("This is not an Excel workbook (.xlsx)."),
    "too_large": N_("The workbook is larger than 5 MB."),
    "no_sheet": N_("The workbook has no sheet “%(sheet)s”: export the questionnaire again."),
    "other_version": N_("This workbook is for another questionnaire or version (%(found)s): export it again."),
    "unknown_question": N_("Row %(row)s: “%(id)s” is not a question of this questionnaire (the id was changed?)."),
    "duplicate_question": N_("Row %(row)s: question “%(id)s” appears twice."),
    "unknown_label": N_("“%(value)s” is not one of the answers."),
}


@dataclass(frozen=True)
class CellProblem:
    """What is wrong in one cell (or with the whole workbook, when `cell` is empty): a code and its values, or an
    entry of audits.answers (code, message, params)."""

    cell: str
    question: str
    code: str
    params: dict = field(default_factory=dict)
    answer_entry: dict | None = None


@dataclass
class ReadResult:
    """The answers a workbook holds (question id → value, blanks as None), each cell read, and the problems."""

    values: dict[str, Any]
    cells: dict[str, str]
    problems: list[CellProblem]


def _choices_text(question: Question, lang: str = "ja") -> str:
    return "\n".join(c.label.get(lang) for c in question.choices)


def shown_answer(question: Question, value) -> Any:
    """A stored answer as the workbook shows it (labels for codes, a date for a day)."""
    if value is None:
        return None
    if question.type == "yes_no":
        return question.choice("yes" if value else "no").label.ja
    if question.type == "single_choice":
        choice = question.choice(value)
        return choice.label.ja if choice else value
    if question.type == "multiple_choice":
        return "、".join(question.choice(c).label.ja if question.choice(c) else c for c in value)
    if question.type == "date":
        return date.fromisoformat(value) if isinstance(value, str) else value
    if question.type == "evidence":
        return None
    return value


def export(questionnaire: Questionnaire, values: dict[str, Any], header: dict[str, str]) -> bytes:
    """The questionnaire as a workbook, with `values` filled in (blank for none); `header` adds lines at the top
    (who asks, who answers, the due date)."""
    q = questionnaire
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    choices = book.create_sheet(CHOICES_SHEET)
    choices.sheet_state = "hidden"
    sheet["A1"] = q.title.ja
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = " / ".join(f"{k}: {v}" for k, v in header.items())
    sheet["A3"] = "questionnaire"
    sheet["B3"], sheet["C3"], sheet["D3"] = q.id, q.version, header.get("sha256", "")
    sheet["A4"] = ("回答欄（H列）に入力してください。選択式はプルダウンから選びます（複数選択は「、」で区切る）。"
                   "ファイルの添付はポータルで行います。 / Answer in column H; pick choices from the drop-down "
                   "(several: separate with “、”). Attach files in the portal.")
    for column, title in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=FIRST_ROW - 1, column=column, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
    categories = {c.id: c.title.ja for c in q.categories}
    for index, question in enumerate(q.questions):
        row = FIRST_ROW + index
        sheet.cell(row=row, column=1, value=question.id)
        sheet.cell(row=row, column=2, value=categories.get(question.category, question.category))
        sheet.cell(row=row, column=3, value=question.text.ja)
        sheet.cell(row=row, column=4, value=question.text.en)
        sheet.cell(row=row, column=5, value=question.type)
        sheet.cell(row=row, column=6, value="必須" if question.required else "任意")
        sheet.cell(row=row, column=7, value=_choices_text(question) or (
            "YYYY-MM-DD" if question.type == "date" else "（ポータルで添付 / attach in the portal）"
            if question.type == "evidence" else ""))
        answer = sheet.cell(row=row, column=ANSWER_COLUMN, value=shown_answer(question, values.get(question.id)))
        if question.type == "date":
            answer.number_format = "yyyy-mm-dd"
        if question.type in ("yes_no", "single_choice", "multiple_choice"):
            for offset, choice in enumerate(question.choices, start=1):
                choices.cell(row=index + 1, column=offset, value=choice.label.ja)
            last = get_column_letter(len(question.choices))
            validation = DataValidation(type="list", formula1=f"'{CHOICES_SHEET}'!$A${index + 1}:${last}${index + 1}",
                                        allow_blank=True, showErrorMessage=True,
                                        errorTitle="回答 / Answer", error="選択肢から選んでください / Pick an answer")
            if question.type == "multiple_choice":
                # The drop-down offers one answer at a time; several are typed joined by 「、」, which a list
                # validation would refuse as "stop", so it only informs, and the import checks each part.
                validation.errorStyle = "information"
                validation.error = ("選択肢を「、」で区切って入力してください / Separate the choices with “、”")
                validation.showInputMessage = True
                validation.promptTitle = "複数選択 / Several"
                validation.prompt = "複数選ぶときは「、」で区切って入力 / To choose several, separate them with “、”"
            sheet.add_data_validation(validation)
            validation.add(answer.coordinate)
        for column in range(1, ANSWER_COLUMN + 1):
            sheet.cell(row=row, column=column).alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFGH", (22, 16, 50, 40, 14, 8, 30, 40), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = f"A{FIRST_ROW}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _label_to_code(question: Question, text: str) -> str | None:
    text = text.strip()
    for choice in question.choices:
        if text in (choice.code, choice.label.ja, choice.label.en):
            return choice.code
    return None


def _choices_in(question: Question, text: str, problems: list[CellProblem], cell: str) -> list[str] | None:
    """The codes of a multiple-choice cell: labels (or codes) separated by 「、」 (or , ; a new line). A whole label
    is read first, the longest first, so one that holds a separator itself (「その他（ISMAP、…）」) stays one."""
    names = sorted(((name, c.code) for c in question.choices for name in (c.label.ja, c.label.en, c.code) if name),
                   key=lambda pair: -len(pair[0]))
    codes: list[str] = []
    rest = text.strip()
    while rest:
        part = next(((name, code) for name, code in names if rest.startswith(name)
                     and (len(rest) == len(name) or rest[len(name)] in SEPARATORS or rest[len(name)].isspace())), None)
        if part is None:
            unknown = rest
            for separator in SEPARATORS:
                unknown = unknown.split(separator)[0]
            problems.append(CellProblem(cell, question.id, "unknown_label", {"value": unknown.strip()}))
            return None
        name, code = part
        if code not in codes:
            codes.append(code)
        rest = rest[len(name):].lstrip()
        while rest and rest[0] in SEPARATORS:
            rest = rest[1:].lstrip()
    return codes


def _value(question: Question, raw, problems: list[CellProblem], cell: str) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind = question.type
    if kind in ("yes_no", "single_choice"):
        code = _label_to_code(question, str(raw))
        if code is None:
            problems.append(CellProblem(cell, question.id, "unknown_label", {"value": str(raw)}))
            return None
        return code == "yes" if kind == "yes_no" else code
    if kind == "multiple_choice":
        return _choices_in(question, str(raw), problems, cell)
    if kind == "date":
        if isinstance(raw, datetime):
            return raw.date().isoformat()
        return raw.isoformat() if isinstance(raw, date) else str(raw).strip()
    if kind == "number":
        if isinstance(raw, str):
            text = raw.strip().replace(",", "")
            try:
                return int(text) if text.lstrip("-").isdigit() else float(text)
            except ValueError:
                return raw  # refused by the answer check as "Enter a number."
        return raw
    return str(raw) if not isinstance(raw, str) else raw


def read(content: bytes, questionnaire: Questionnaire, sha256: str, as_of: date) -> ReadResult:
    """The answers in a filled workbook, checked cell by cell against the questionnaire (nothing is stored)."""
    q = questionnaire
    result = ReadResult({}, {}, [])
    if len(content) > MAX_BYTES:
        result.problems.append(CellProblem("", "", "too_large"))
        return result
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            if sum(i.file_size for i in package.infolist()) > MAX_UNPACKED:
                raise zipfile.BadZipFile("too large unpacked")
        book = load_workbook(io.BytesIO(content), data_only=True)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        result.problems.append(CellProblem("", "", "not_a_workbook"))
        return result
    if SHEET not in book.sheetnames:
        result.problems.append(CellProblem("", "", "no_sheet", {"sheet": SHEET}))
        return result
    sheet = book[SHEET]
    found = (sheet["B3"].value, sheet["C3"].value, sheet["D3"].value)
    if found != (q.id, q.version, sha256):
        shown = " ".join(str(v) for v in found[:2] if v) or "—"
        result.problems.append(CellProblem("D3", "", "other_version", {"found": shown}))
        return result
    seen: dict[str, int] = {}
    for row in range(FIRST_ROW, sheet.max_row + 1):
        question_id = sheet.cell(row=row, column=1).value
        if question_id is None or str(question_id).strip() == "":
            continue
        question_id = str(question_id).strip()
        question = q.question(question_id)
        cell = f"{get_column_letter(ANSWER_COLUMN)}{row}"
        if question is None:
            result.problems.append(CellProblem(f"A{row}", question_id, "unknown_question",
                                               {"row": row, "id": question_id}))
            continue
        if question_id in seen:
            result.problems.append(CellProblem(f"A{row}", question_id, "duplicate_question",
                                               {"row": row, "id": question_id}))
            continue
        seen[question_id] = row
        if question.type == "evidence":
            continue
        raw = sheet.cell(row=row, column=ANSWER_COLUMN).value
        result.cells[question_id] = cell
        value = _value(question, raw, result.problems, cell)
        if value is not None:
            try:
                check_answers(q, {question_id: value}, as_of)
            except AnswerError as error:
                for entry in error.errors[question_id]:
                    result.problems.append(CellProblem(cell, question_id, entry["code"], answer_entry=entry))
                continue
        result.values[question_id] = value
    return result
