"""Vendor selection at the sizes the issue names: a 150-question questionnaire's answer page and the save of one
answer (autosave), the comparison page of five candidates, and the Excel export and import of one questionnaire.

Through the real app (Flask's test client, logged in through the form), each beside a bare query of the rows the
page reads, measured in the same run. The 150-question questionnaire is dd-selection with its questions repeated
under new ids (dependencies kept within each copy), frozen and sent like any other.
"""

from __future__ import annotations

import re
import time

from bench import BenchConfig, figure, median_ms, p95_ms
from bench import seed as seeding
from bench.registry import BenchmarkError, RawQuery, _count_statements, interleaved, login

QUESTIONS = 150
CANDIDATES = 5
PASSWORD = "bench-selection-password-2026"  # noqa: S105
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RAW_ANSWERS = "SELECT question_id, value FROM questionnaire_answer WHERE request_id = ?"


def big_questionnaire(questions: int = QUESTIONS):
    """dd-selection's questions repeated (ids suffixed per copy) until there are `questions`, as a Questionnaire."""
    from audits import library

    base = library.to_data(library.current("dd-selection"))
    out, copy = [], 0
    while len(out) < questions:
        for q in base["questions"]:
            if len(out) == questions:
                break
            item = dict(q, id=f"{q['id']}_{copy}" if copy else q["id"])
            if "depends_on" in q and copy:
                item["depends_on"] = {**q["depends_on"], "question": f"{q['depends_on']['question']}_{copy}"}
            out.append(item)
        copy += 1
    data = {**base, "id": "bench-selection", "questions": out}
    return library.parse(data, "<bench>")


def _world(app):
    """A consignor with procurement, five vendors with staff; a selection with the big questionnaire sent to each,
    answered as far as the choices go; returns ids."""
    from audits import library, responses, selection
    from audits.demo import GOOD
    from audits.models import QuestionnaireRequest
    from oversight.accounts import services as accounts
    from oversight.accounts.system import SystemActor
    from oversight.corporate_number import with_check_digit
    from oversight.extensions import db
    from oversight.registry import services as registry

    system = SystemActor(name="bench")
    with app.app_context():
        consignor = registry.create_organisation(system, {"name": "ベンチ委託元", "corporate_number":
                                                          with_check_digit("900000000001")})
        procurement = accounts.create_user(None, {"email": "procurement@bench.example", "name": "調達",
                                                  "role": "procurement", "password": PASSWORD,
                                                  "organisation_id": consignor.id})
        vendors, staff = [], []
        for n in range(CANDIDATES):
            vendor = registry.create_organisation(procurement, {"name": f"ベンチ候補{n}", "corporate_number":
                                                                with_check_digit(f"9000000001{n:02d}")})
            vendors.append(vendor)
            staff.append(accounts.create_user(None, {"email": f"staff{n}@bench.example", "name": f"担当{n}",
                                                     "role": "contractor_user", "password": PASSWORD,
                                                     "organisation_id": vendor.id}))
        s = selection.create_selection(procurement, {"title": "ベンチ選定"})
        big = big_questionnaire()
        frozen, digest = library.freeze(big)
        ids = []
        for vendor, person in zip(vendors, staff, strict=True):
            request = selection.add_candidate(procurement, s.id, {"vendor_id": vendor.id})
            request.questionnaire_id, request.questionnaire_version = big.id, big.version
            request.questionnaire_frozen, request.questionnaire_sha256 = frozen, digest
            request.question_count = len(big.questions)
            db.session.commit()
            selection.send_request(procurement, request.id)
            values = {}
            for question in big.questions:
                base_id = re.sub(r"_\d+$", "", question.id) if question.id not in GOOD else question.id
                if base_id in GOOD:
                    values[question.id] = GOOD[base_id]
            responses.save_answers(person, request.id, values)
            ids.append(request.id)
        result = {"selection_id": s.id, "request_ids": ids,
                  "questions": len(db.session.get(QuestionnaireRequest, ids[0]).answers)}
        db.session.remove()
        return result


def _form(app, request_id: int) -> dict:
    """The answer form as the page posts it: every question's field, filled with the stored answers."""
    from audits import responses
    from audits.models import QuestionnaireRequest
    from oversight.extensions import db

    with app.app_context():
        request = db.session.get(QuestionnaireRequest, request_id)
        q, values = responses.questionnaire_of(request), request.values()
        form = {}
        for question in q.questions:
            value = values.get(question.id)
            if question.type == "evidence" or value is None:
                continue
            if question.type == "yes_no":
                value = "yes" if value else "no"
            form[f"a.{question.id}"] = value if not isinstance(value, (int, float)) else str(value)
        db.session.remove()
    return form


def _timed(fn, runs: int) -> list[float]:
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def run(backend: str, *, keep: bool = False, runs: int = 40) -> dict[str, dict]:
    """Build the world, time each page beside its bare query, drop the database."""
    from flask_migrate import upgrade

    from oversight import create_app

    with seeding.throwaway_database(backend, keep=keep) as url:
        app = create_app(BenchConfig, {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
        world = _world(app)
        from oversight.extensions import db

        request_id, selection_id = world["request_ids"][0], world["selection_id"]
        staff = login(app, "staff0@bench.example", PASSWORD)
        procurement = login(app, "procurement@bench.example", PASSWORD)
        token = CSRF_RE.search(staff.get(f"/questionnaire-requests/{request_id}").get_data(as_text=True))
        if token is None:
            raise BenchmarkError("no csrf_token on the answer page")
        csrf = token.group(1)
        with app.app_context():
            engine = db.engine

        def page():
            if staff.get(f"/questionnaire-requests/{request_id}").status_code != 200:
                raise BenchmarkError("answer page")

        form = _form(app, request_id)
        flip = {"value": True}

        def save_one():
            flip["value"] = not flip["value"]
            data = {**form, "a.bp_policy": "yes" if flip["value"] else "no", "csrf_token": csrf}
            response = staff.post(f"/questionnaire-requests/{request_id}/answers", data=data,
                                  headers={"X-Autosave": "1"})
            if response.status_code != 200:
                raise BenchmarkError(f"save: {response.status_code} {response.get_data(as_text=True)[:200]}")

        def comparison():
            response = procurement.get(f"/selections/{selection_id}/comparison")
            if response.status_code != 200:
                raise BenchmarkError(f"comparison page: {response.status_code} "
                                     f"{response.get_data(as_text=True)[:300]}")

        def export():
            response = staff.get(f"/questionnaire-requests/{request_id}/workbook.xlsx")
            if response.status_code != 200:
                raise BenchmarkError("export")
            return response.data

        workbook = export()

        def import_():
            response = staff.post(f"/questionnaire-requests/{request_id}/workbook",
                                  data={"csrf_token": csrf, "file": (__import__("io").BytesIO(workbook),
                                                                      "answers.xlsx")},
                                  content_type="multipart/form-data")
            if response.status_code != 200:
                raise BenchmarkError(f"import preview: {response.status_code}")

        counts = len(_count_statements(engine, page))
        raw = RawQuery(engine, (RAW_ANSWERS, (request_id,)))
        try:
            page_t, raw_t = interleaved(runs, page, raw)
            save_t, raw_save = interleaved(runs, save_one, raw)
            compare_t, raw_compare = interleaved(runs, comparison, raw)
        finally:
            raw.close()
        export_t = _timed(export, max(5, runs // 4))
        import_t = _timed(import_, max(5, runs // 4))
        results = {
            "selection_answer_page_150": figure(
                median_ms(page_t), "ms", median_ms(raw_t), "< 150 ms median", median_ms(page_t) < 150,
                p95=round(p95_ms(page_t), 3), statements=counts, questions=QUESTIONS,
                via="GET /questionnaire-requests/<id> as the vendor's staff (150 questions answered)",
                baseline_query="the request's answers, fetchall on the DBAPI connection"),
            "selection_save_one_answer": figure(
                median_ms(save_t), "ms", median_ms(raw_save), "< 50 ms median", median_ms(save_t) < 50,
                p95=round(p95_ms(save_t), 3), via="the autosave: POST …/answers with the whole form (150 questions), "
                                                  "one answer changed"),
            "selection_comparison_5": figure(
                median_ms(compare_t), "ms", median_ms(raw_compare), "< 200 ms median", median_ms(compare_t) < 200,
                p95=round(p95_ms(compare_t), 3), candidates=CANDIDATES,
                via="GET /selections/<id>/comparison as procurement"),
            "selection_excel_export": figure(
                median_ms(export_t), "ms", median_ms(raw_t), "< 1 s", median_ms(export_t) < 1000,
                bytes=len(workbook), via="GET …/workbook.xlsx"),
            "selection_excel_import": figure(
                median_ms(import_t), "ms", median_ms(raw_t), "< 1 s", median_ms(import_t) < 1000,
                via="POST …/workbook (read and check every cell; the preview page)"),
        }
        with app.app_context():
            db.engine.dispose()
        for measured in results.values():
            measured["backend"] = backend
        return results
