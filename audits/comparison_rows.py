"""The comparison's rows drawn from outside the answers, loaded for all candidates at once (a constant number of
statements whatever the number of candidates): incidents at each vendor in the consignor's records, the
subcontractors each declared (its answers, and the registry's entrustments by that vendor in the consignor's own
chains), and the notifications each sent the consignor later than the contract allowed.

Everything is read as the selection's consignor organisation sees it — never a sibling consignor's chain or mail.
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from audits.company_models import AnswerShare
from audits.models import QuestionnaireRequest
from audits.questionnaire import Bi
from oversight import permissions as perm
from oversight.extensions import db
from oversight.registry.models import Entrustment

SUBCONTRACTING = "subcontracting"  # the questionnaire category whose answers name the subcontractors
CONTRACT_CLAUSES = "att_contract_clauses"  # the question, where a questionnaire asks it, on the contract's clauses
ENDED = ("rejected", "terminated")


def incidents_by_vendor(consignor_id: int, vendor_ids: list[int]) -> dict[int, list]:
    """Incidents at each vendor in which the consignor is a party (at most 20 each, newest first)."""
    from oversight.incidents.models import Incident, IncidentParty

    found: dict[int, list] = defaultdict(list)
    if not vendor_ids:
        return found
    for incident in db.session.scalars(select(Incident).where(
            Incident.organisation_id.in_(vendor_ids),
            Incident.id.in_(select(IncidentParty.incident_id).where(IncidentParty.organisation_id == consignor_id)))
            .order_by(Incident.id.desc())):
        if len(found[incident.organisation_id]) < 20:
            found[incident.organisation_id].append(incident)
    return found


def declared_subcontractors(request: QuestionnaireRequest, questionnaire, score) -> list[Bi]:
    """What the vendor's answers say of its subcontracting: the practice chosen and the subcontractors it named
    (only answers to questions that apply, as the score reads them)."""
    values = request.values()
    applies = {line.question for line in score.questions if line.status == "answered"}
    said = []
    for question in questionnaire.questions:
        if question.category != SUBCONTRACTING or question.id not in values or question.id not in applies:
            continue
        value = values[question.id]
        if question.type == "single_choice":
            choice = question.choice(value)
            if choice is not None and choice.label is not None:
                said.append(choice.label)
        elif question.type == "text" and isinstance(value, str) and value.strip():
            said.append(Bi(value.strip(), value.strip()))
    return said


def registry_subcontractors(consignor_id: int, vendor_ids: list[int]) -> dict[int, list[Entrustment]]:
    """Entrustments by each vendor (as consignor) in the chains the consignor organisation sees, not ended."""
    found: dict[int, list] = defaultdict(list)
    if not vendor_ids:
        return found
    # As the consignor organisation sees them, whoever reads (an operator admin included): never a sibling's chain.
    as_consignor = SimpleNamespace(role="consignor", organisation_id=consignor_id)
    for entrustment in db.session.scalars(
            select(Entrustment).where(Entrustment.consignor_id.in_(vendor_ids),
                                      Entrustment.id.in_(perm.visible(as_consignor, "entrustment")),
                                      Entrustment.status.not_in(ENDED))
            .options(selectinload(Entrustment.contractor)).order_by(Entrustment.id)):
        found[entrustment.consignor_id].append(entrustment)
    return found


def late_notifications(actor, consignor_id: int, vendor_ids: list[int]) -> dict[int, list]:
    """The notifications each vendor filed with the consignor later than the contract allowed (the breaches list's
    own query, for a reader who may read notifications; nothing otherwise)."""
    from oversight.notifications.services import breaches

    found: dict[int, list] = defaultdict(list)
    if not vendor_ids or not perm.allows(actor, "notification.view"):
        return found
    for notification in breaches(actor):
        if notification.recipient_id == consignor_id and notification.filer_id in vendor_ids:
            found[notification.filer_id].append(notification)
    return found


def contract_clauses_answer(request: QuestionnaireRequest, questionnaire) -> tuple[bool, Bi | None]:
    """(asked, answer): whether the questionnaire asks the vendor to accept the contract policy's clauses, and the
    label of its answer (None: not answered yet)."""
    question = next((q for q in questionnaire.questions if q.id == CONTRACT_CLAUSES), None)
    if question is None:
        return False, None
    value = request.values().get(CONTRACT_CLAUSES)
    if value is None:
        return True, None
    choice = question.choice("yes" if value is True else "no" if value is False else str(value))
    return True, (choice.label if choice is not None and choice.label is not None else Bi(str(value), str(value)))


def shared_answer_dates(request_ids: list[int]) -> dict[int, object]:
    """For each request filled from the vendor's company answers, the answer date (回答日) of the answers shared
    into it — what the consignor compares when answers were given once for many."""
    return dict(db.session.execute(select(AnswerShare.request_id, func.max(AnswerShare.answered_on))
                                   .where(AnswerShare.request_id.in_(request_ids))
                                   .group_by(AnswerShare.request_id)).all())
