"""Use cases of the Excel round trip: export a request's questionnaire (blank or with the answers so far), read a
filled workbook back with its problems per cell (nothing stored), apply its answers all or nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from audits import workbook
from audits.answers import translated
from audits.responses import open_for_answers, questionnaire_of, save_answers
from audits.visibility import get_request
from oversight import permissions as perm
from oversight import uow
from oversight.errors import Forbidden, ValidationFailed
from oversight.timeutil import today_jst
from oversight.trail import services as trail

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_workbook(actor, request_id: int) -> tuple[str, bytes]:
    """(file name, .xlsx) of the request's questionnaire with the answers so far, for whoever may see it."""
    if not any(perm.allows(actor, a) for a in ("selection.view", "questionnaire.answer")):
        raise Forbidden(_l("Your role does not allow this action."))
    request = get_request(actor, request_id)
    q = questionnaire_of(request)
    header = {"依頼元 / requested by": request.requester.name, "回答者 / vendor": request.vendor.name,
              "期限 / due": request.due_on.isoformat() if request.due_on else "—",
              "sha256": request.questionnaire_sha256}
    content = workbook.export(q, request.values(), header)
    return f"{q.id}-{q.version}-{request.id}.xlsx", content


def problem_text(problem: workbook.CellProblem) -> str:
    """One problem of a workbook in the user's language."""
    if problem.answer_entry is not None:
        return translated(problem.answer_entry, gettext)
    text = gettext(workbook.MESSAGES[problem.code])
    return text % problem.params if problem.params else text


def read_workbook(actor, request_id: int, content: bytes) -> workbook.ReadResult:
    """The answers of a filled workbook and its problems, cell by cell; nothing is stored."""
    request = open_for_answers(actor, request_id)
    return workbook.read(content, questionnaire_of(request), request.questionnaire_sha256, today_jst())


def apply_workbook(actor, request_id: int, values: Mapping, workbook_sha256: str = ""):
    """Apply the answers read from a workbook, all or nothing (each checked again as any saved answer is)."""
    with uow.atomic():
        request = save_answers(actor, request_id, values)
        trail.record(actor, "questionnaire_import", "questionnaire_request", request.id,
                     label=f"{request.work_title} / {request.vendor.name}",
                     after={"answers": len([v for v in values.values() if v not in (None, "", [])]),
                            "workbook_sha256": workbook_sha256})
    return request


def import_workbook(actor, request_id: int, content: bytes):
    """Read and apply in one step (the CLI and the API): refused with every cell's problem, or all applied."""
    result = read_workbook(actor, request_id, content)
    if result.problems:
        raise ValidationFailed({p.cell or "file": [problem_text(p)] for p in result.problems})
    return apply_workbook(actor, request_id, result.values, hashlib.sha256(content).hexdigest())
