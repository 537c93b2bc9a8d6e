"""One transaction style (issue 15): a service that writes runs in uow.atomic(), which commits at the outermost level
and rolls back on any exception, so a service failing halfway leaves nothing written and no view rolls back."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from oversight import uow
from oversight.errors import ValidationFailed
from oversight.extensions import db
from oversight.registry import services as registry
from oversight.registry.models import Organisation, OrganisationRecord
from oversight.trail.models import TrailRecord
from tests.factories import SYSTEM, corporate_number, gen_entrustment, gen_organisation, gen_user

ROOT = Path(__file__).resolve().parents[2]
AREAS = ("oversight", "contracts", "audits")
# Infrastructure, not use cases: the request's end and a failed scheduler job close whatever transaction is left;
# the worker commits its claim of a job before running it, and the job's outcome whatever the job did.
ENDS_TRANSACTIONS = {"oversight/uow.py", "oversight/app.py", "oversight/scheduler.py", "oversight/jobs/run.py"}
BY_HAND = re.compile(r"\bdb\.session\.(commit|rollback)\(|\buow\.(commit|rollback)\(")


def _committed(model) -> int:
    """Rows of `model` another connection sees: what was committed, whatever this session still holds."""
    with db.engine.connect() as other:
        other.execution_options(**{uow.READ_ONLY_OPTION: True})  # SQLite: a read, beside this session's writes
        return other.scalar(select(func.count()).select_from(model))


def _counts() -> tuple[int, int, int]:
    return _committed(Organisation), _committed(OrganisationRecord), _committed(TrailRecord)


def _modules():
    for area in AREAS:
        for path in sorted((ROOT / area).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def _is_view_or_api(name: str) -> bool:
    parts = name.split("/")
    return parts[-1] in ("views.py", "api.py", "forms.py") or parts[-1].endswith("_views.py") or "api" in parts[:-1]


def test_a_proposal_failing_after_it_recorded_the_company_it_named_leaves_nothing_written():
    consignor, contractor = gen_organisation("委託元"), gen_organisation("委託先")
    top = gen_entrustment(consignor, contractor, person_count=10)
    user = gen_user(contractor, role="contractor_user")
    before = _counts()
    # The consignor, named by its number, gets the contractor's record of it (and a trail record) before the chain
    # check finds that it already holds the data higher up.
    with pytest.raises(ValidationFailed) as refused:
        registry.propose_subcontract(user, top.id, {"contractor_corporate_number": consignor.corporate_number,
                                                    "contractor_name": consignor.name, "data_set": "顧客データ"})
    assert "contractor_id" in refused.value.errors
    assert _counts() == before
    assert registry.own_record(user, consignor.id) is None  # nor does this session hold it any more


def test_services_inside_one_atomic_block_are_written_together_or_not_at_all():
    before = _counts()
    with pytest.raises(ValidationFailed):
        with uow.atomic():  # as the importer applies a whole spreadsheet
            registry.create_organisation(SYSTEM, {"name": "一件目株式会社", "corporate_number": corporate_number()})
            registry.create_organisation(SYSTEM, {"name": "二件目株式会社", "corporate_number": corporate_number()})
            assert _counts() == before  # each service only flushed: nothing is committed yet
            registry.create_organisation(SYSTEM, {"name": ""})
    assert _counts() == before
    with uow.atomic():
        registry.create_organisation(SYSTEM, {"name": "一件目株式会社", "corporate_number": corporate_number()})
        registry.create_organisation(SYSTEM, {"name": "二件目株式会社", "corporate_number": corporate_number()})
    assert _committed(Organisation) == before[0] + 2


def test_a_service_called_alone_commits_its_own_work():
    before = _committed(Organisation)
    registry.create_organisation(SYSTEM, {"name": "単独株式会社", "corporate_number": corporate_number()})
    assert _committed(Organisation) == before + 1


def test_no_view_form_or_api_module_commits_or_rolls_back_by_hand():
    found = [f"{name}:{text[:m.start()].count(chr(10)) + 1}" for name, text in _modules() if _is_view_or_api(name)
             for m in BY_HAND.finditer(text)]
    assert found == []


def test_only_the_unit_of_work_and_the_request_and_job_ends_commit_or_roll_back():
    found = sorted({name for name, text in _modules() if BY_HAND.search(text)} - ENDS_TRANSACTIONS)
    assert found == []
