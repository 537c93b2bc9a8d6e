"""Evidence packs: asking for one (checked, then built by the worker), seeing it, downloading it. The web page, the
API and `flask evidence-pack` call these.

Who sees a pack: the user who asked for it (and operator admins). Nobody else learns that it exists — not a
colleague, never another consignor of the same contractor — as with jobs. A pack holds what its requester may see:
it is built as that user.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, select

from oversight import inputs, uow
from oversight import permissions as perm
from oversight.accounts.system import SystemActor
from oversight.errors import Conflict, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.jobs import services as jobs
from oversight.packs.models import EvidencePack
from oversight.registry.models import Entrustment, Organisation
from oversight.registry.queries import with_descendants
from oversight.timeutil import utcnow
from oversight.trail import services as trail

KIND = "evidence-pack"
MAX_DAYS = 366 * 10
LIST_LIMIT = 50
KEEPER = SystemActor(name="pack-keeping")
STALE_PART_HOURS = 24  # a file no pack names, this old, belongs to no running build
NOT_FOUND = _l("No such evidence pack, or you may not see it.")
OWN_ORGANISATION = _l("An evidence pack shows how you supervised a contractor that holds your organisation's data; "
                      "it is not made of your own organisation.")


def restrict_packs(query, actor):
    """Limit an EvidencePack select to the packs the actor may see: its own (an operator admin: all)."""
    if perm.is_admin(actor) and actor.organisation_id is None:
        return query
    if getattr(actor, "id", None) is None:
        return query.where(false())
    return query.where(EvidencePack.requested_by_id == actor.id)


def pack_dir() -> Path:
    """Where built packs are kept: EVIDENCE_PACK_DIR, else instance/packs."""
    configured = current_app.config.get("EVIDENCE_PACK_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "packs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _day(raw, name: str, errors: dict) -> date | None:
    if isinstance(raw, date):
        return raw
    text = str(raw or "").strip()
    if not text:
        errors[name] = [_l("Enter a date as YYYY-MM-DD.")]
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = [_l("Enter a date as YYYY-MM-DD.")]
        return None


def scope(actor, contractor_id: int) -> tuple[list[int], list[int]]:
    """(the entrustments to the contractor the actor may see, the visible subcontracts below them at any depth)."""
    direct = db.session.scalars(perm.restrict(
        select(Entrustment.id).where(Entrustment.contractor_id == contractor_id), actor, "entrustment")
        .order_by(Entrustment.id)).all()
    if not direct:
        return [], []
    below = db.session.scalars(perm.restrict(
        select(Entrustment.id).where(Entrustment.id.in_(with_descendants(direct)), Entrustment.id.notin_(direct)),
        actor, "entrustment").order_by(Entrustment.id)).all()
    return list(direct), list(below)


def parse_request(actor, data: Mapping) -> tuple[Organisation, date, date]:
    """The contractor and period asked for, checked; ValidationFailed naming each bad field."""
    errors: dict[str, list] = {}
    contractor = None
    contractor_id = inputs.object_id(data.get("contractor_id"))
    if contractor_id is None:
        errors["contractor_id"] = [_l("Choose the contractor.")]
    else:
        contractor = db.session.get(Organisation, contractor_id)
        if contractor_id == actor.organisation_id:
            errors["contractor_id"] = [OWN_ORGANISATION]
            contractor = None
        elif contractor is None or not perm.can_see(actor, "organisation", contractor_id):
            errors["contractor_id"] = [_l("No such organisation, or you may not see it.")]
            contractor = None
        elif not scope(actor, contractor_id)[0]:
            errors["contractor_id"] = [_l("%(name)s holds no data entrusted by your organisation that you may see: "
                                          "there is nothing to put in a pack.", name=contractor.name)]
            contractor = None
    period_from = _day(data.get("period_from"), "period_from", errors)
    period_to = _day(data.get("period_to"), "period_to", errors)
    if period_from and period_to:
        if period_to < period_from:
            errors["period_to"] = [_l("The end of the period is before its start.")]
        elif (period_to - period_from).days > MAX_DAYS:
            errors["period_to"] = [_l("A pack covers at most ten years.")]
    if errors:
        raise ValidationFailed(errors)
    return contractor, period_from, period_to


@uow.atomic()
def request_pack(actor, data: Mapping) -> EvidencePack:
    """Ask for a pack of a contractor and period: checked, recorded, and queued for the worker (its progress on the
    jobs page and the pack's page)."""
    perm.require(actor, "pack.build")
    contractor, period_from, period_to = parse_request(actor, data)
    pack = EvidencePack(organisation_id=actor.organisation_id, contractor_id=contractor.id, period_from=period_from,
                        period_to=period_to, requested_by_id=actor.id,
                        requested_by_name=getattr(actor, "email", "") or "", file_name="", sha256="",
                        manifest_sha256="", file_count=0)
    db.session.add(pack)
    db.session.flush()
    job = jobs.submit(actor, KIND, {"pack_id": pack.id, "contractor": contractor.name,
                                    "period": f"{period_from.isoformat()} – {period_to.isoformat()}"},
                      key=f"pack-{pack.id}-{secrets.token_hex(8)}")  # each request is its own job, whatever ids
    # a restored database hands out again
    pack.job_id = job.id
    trail.record(actor, "pack_request", "evidence_pack", pack.id, label=contractor.name, after=pack.snapshot())
    return pack


def get_pack(actor, pack_id) -> EvidencePack:
    """One pack the actor may see; NotFound for any other (whether it exists or not)."""
    perm.require(actor, "pack.build")
    pack_id = inputs.object_id(pack_id)
    pack = pack_id and db.session.scalar(restrict_packs(select(EvidencePack).where(EvidencePack.id == pack_id),
                                                        actor))
    if pack is None:
        raise NotFound(NOT_FOUND)
    return pack


def list_packs(actor, *, contractor_id: int | None = None, limit: int = LIST_LIMIT) -> list[EvidencePack]:
    """The actor's packs, newest first (of one contractor, if named)."""
    perm.require(actor, "pack.build")
    query = restrict_packs(select(EvidencePack), actor)
    if contractor_id is not None:
        query = query.where(EvidencePack.contractor_id == contractor_id)
    return db.session.scalars(query.order_by(EvidencePack.id.desc()).limit(limit)).all()


def pack_path(pack: EvidencePack) -> Path:
    return pack_dir() / pack.file_name


def open_download(actor, pack_id) -> tuple[EvidencePack, Path]:
    """The built pack's file, for sending; the download is written to the trail (in a short transaction of its
    own: a GET never writes through its own). Conflict while it is not built yet."""
    pack = get_pack(actor, pack_id)
    if pack.status == "expired":
        raise Conflict(_l("The file of this evidence pack was deleted at the end of its keeping period; its hashes "
                          "stay on record. Build it again from its page."))
    if pack.status != "ready":
        raise Conflict(_l("This evidence pack is not built yet; its page shows how far it is."))
    path = pack_path(pack)
    if not path.is_file():
        raise Conflict(_l("The file of this evidence pack is no longer on the server; build it again."))
    trail.record_apart(actor, "pack_download", "evidence_pack", pack.id, label=pack.contractor.name,
                       after={"sha256": pack.sha256, "size": pack.size})
    return pack, path


def expire_packs(now: datetime | None = None) -> str:
    """The clock's job: delete the file of each pack built more than EVIDENCE_PACK_KEEP_DAYS ago (0: never), keeping
    its record and hashes so that a copy already downloaded can still be verified; and files in the pack folder no
    pack names any more (a build's unfinished .part left by a worker that died) once a day old. Each expiry enters
    the trail; running it twice, or on two clocks, deletes nothing twice."""
    now = now or utcnow()
    keep_days = int(current_app.config.get("EVIDENCE_PACK_KEEP_DAYS") or 0)
    expired = 0
    if keep_days > 0:
        with uow.read_only():
            ids = db.session.scalars(select(EvidencePack.id).where(
                EvidencePack.built_at < now - timedelta(days=keep_days), EvidencePack.file_name != "")).all()
        for pack_id in ids:
            path = _expire(pack_id, keep_days)
            if path is not None:
                path.unlink(missing_ok=True)  # once the record no longer names it
                expired += 1
    with uow.read_only():
        named = set(db.session.scalars(select(EvidencePack.file_name).where(EvidencePack.file_name != "")))
    stale = 0
    for path in pack_dir().iterdir():
        if (path.is_file() and path.name not in named and path.suffix in (".zip", ".part")
                and path.stat().st_mtime < (now - timedelta(hours=STALE_PART_HOURS)).timestamp()):
            path.unlink(missing_ok=True)
            stale += 1
    return f"{expired} expired, {stale} left-over files removed"


@uow.atomic()
def _expire(pack_id: int, keep_days: int) -> Path | None:
    pack = db.session.scalar(select(EvidencePack).where(EvidencePack.id == pack_id, EvidencePack.file_name != "")
                             .with_for_update())
    if pack is None:  # another clock got there first
        return None
    path = pack_path(pack)
    pack.file_name = ""
    trail.record(KEEPER, "pack_expire", "evidence_pack", pack.id, label=pack.contractor.name,
                 after={"sha256": pack.sha256, "keep_days": keep_days})
    return path
