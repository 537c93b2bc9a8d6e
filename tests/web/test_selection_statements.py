"""The answer page runs the same number of SQL statements whatever the number of questions (the issue's 150-question
questionnaire must not cost a query per question): the long due-diligence questionnaire and the short triage."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from audits import responses
from oversight.extensions import db
from tests.audits.selection_world import answer_all, gen_selection
from tests.factories import PASSWORD, gen_organisation, gen_user


@contextmanager
def counted():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_the_answer_and_review_pages_cost_the_same_statements_for_74_questions_as_for_16(make_client):
    consignor, vendor = gen_organisation("委託元"), gen_organisation("委託先")
    procurement = gen_user(consignor, "procurement")
    staff = gen_user(vendor, "contractor_user")
    from oversight.registry import services as registry

    registry.create_organisation(procurement, {"name": vendor.name, "corporate_number": vendor.corporate_number})
    _s, (long_request,) = gen_selection(procurement, [vendor], questionnaire="dd-selection", title="長い質問票")
    _t, (short_request,) = gen_selection(procurement, [vendor], questionnaire="triage", title="短い質問票")
    for request in (long_request, short_request):
        answer_all(staff, request, submit=False)
    assert len(responses.questionnaire_of(long_request).questions) > 4 * len(
        responses.questionnaire_of(short_request).questions)
    counts = {}
    for user in (staff, procurement):
        client = make_client()
        client.login(user.email, PASSWORD)
        for request in (long_request, short_request):
            client.get(f"/questionnaire-requests/{request.id}")  # warm: the frozen questionnaire is thawed once
            with counted() as statements:
                assert client.get(f"/questionnaire-requests/{request.id}").status_code == 200
            counts[(user.role, request.questionnaire_id)] = len(statements)
    assert counts[("contractor_user", "dd-selection")] == counts[("contractor_user", "triage")]
    assert counts[("procurement", "dd-selection")] == counts[("procurement", "triage")]
