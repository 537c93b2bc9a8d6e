"""Selections for the tests, built through the services: a consignor's procurement opens one, adds candidates,
sends; a vendor's staff answer (best answers, with overrides) and submit."""

from __future__ import annotations

from types import SimpleNamespace

from audits import responses, selection
from audits.models import QuestionnaireRequest
from oversight.extensions import db
from oversight.timeutil import today_jst
from tests.audits.answers import best_answers
from tests.factories import gen_organisation, gen_user

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def gen_selection(procurement, vendors, *, questionnaire: str = "dd-selection", send: bool = True, **fields):
    """A selection of `procurement`'s organisation with one request per vendor (sent unless told otherwise)."""
    s = selection.create_selection(procurement, {"title": fields.pop("title", "会員コールセンター業務の委託先選定"),
                                                 "purpose": "会員からの問合せ対応", "data_items": ["name", "phone"],
                                                 "person_count": 120_000, **fields})
    requests = [selection.add_candidate(procurement, s.id, {"vendor_id": v.id, "questionnaire": questionnaire})
                for v in vendors]
    if send:
        selection.send_all(procurement, s.id)
    return s, requests


def answer_all(staff, request: QuestionnaireRequest, overrides: dict | None = None, *, submit: bool = True):
    """Answer every question as well as it can be (then `overrides`), attach a PDF wherever evidence is required."""
    r = db.session.get(QuestionnaireRequest, request.id)
    q = responses.questionnaire_of(r)
    values = {k: v for k, v in best_answers(q, today_jst()).items() if q.question(k).type != "evidence"}
    values.update(overrides or {})
    responses.save_answers(staff, r.id, values)
    for question_id in responses.current_score(r).unanswered_required:
        if q.question(question_id).type == "evidence":
            responses.attach_evidence(staff, r.id, question_id, f"{question_id}.pdf", PDF + question_id.encode())
    if submit:
        responses.submit(staff, r.id)
    return db.session.get(QuestionnaireRequest, r.id)


def gen_selection_world() -> SimpleNamespace:
    """さくら商事 (procurement, privacy office, auditor) selects between two vendors; 大津市 also sends a
    questionnaire to one of them (the shared vendor); each vendor has staff."""
    sakura, otsu = gen_organisation("さくら商事株式会社"), gen_organisation("大津市教育委員会", kind="public_body")
    shared, other = gen_organisation("共通ベンダー株式会社"), gen_organisation("候補ベンダー株式会社")
    world = SimpleNamespace(
        sakura=sakura, otsu=otsu, shared=shared, other=other,
        procurement=gen_user(sakura, "procurement", email="procurement@sakura.example"),
        privacy=gen_user(sakura, "privacy_office", email="privacy@sakura.example"),
        auditor=gen_user(sakura, "auditor"), legal=gen_user(sakura, "legal"),
        otsu_procurement=gen_user(otsu, "procurement", email="procurement@otsu.example"),
        shared_staff=gen_user(shared, "contractor_user", email="staff@shared.example"),
        other_staff=gen_user(other, "contractor_user", email="staff@other.example"))
    # Each consignor keeps its own record of the vendors (so it may name them).
    from oversight.registry import services as registry

    for user, vendor in ((world.procurement, shared), (world.procurement, other), (world.otsu_procurement, shared)):
        registry.create_organisation(user, {"name": vendor.name, "corporate_number": vendor.corporate_number})
    world.selection, (world.shared_request, world.other_request) = gen_selection(world.procurement, [shared, other])
    world.otsu_selection, (world.otsu_request,) = gen_selection(world.otsu_procurement, [shared],
                                                               title="大津市 卒業アルバム制作の委託先選定")
    return world
