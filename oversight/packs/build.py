"""Building a pack in the worker, as the user who asked for it: the sections one after another, each through that
user's visibility, their files streamed into a zip in the pack folder (evidence one file at a time), then the
summary (.docx and PDF) and the manifest. The file is written beside its final name and renamed once complete, so a
download never meets half a pack; a retry builds it afresh."""

from __future__ import annotations

import hashlib
import os
import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from oversight import uow
from oversight.errors import NotFound
from oversight.extensions import db
from oversight.jobs.run import JobFailed
from oversight.packs import sections as registry
from oversight.packs import services, summary
from oversight.packs.document import Paragraph, Section
from oversight.packs.models import EvidencePack
from oversight.packs.sections import PackContext
from oversight.packs.writer import PackWriter
from oversight.registry.models import Organisation
from oversight.timeutil import to_jst, utcnow
from oversight.trail import services as trail


def _file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def build(run) -> dict:
    """The job's handler: build pack `run.params["pack_id"]` as `run.actor`."""
    actor = run.actor
    with uow.read_only():  # on SQLite a transaction left open between the sections would hold the write lock
        pack = db.session.get(EvidencePack, run.params["pack_id"])
        if pack is None:
            raise JobFailed(_l("This evidence pack was deleted; there is nothing to build."))
        try:
            pack = services.get_pack(actor, pack.id)
        except NotFound:
            raise JobFailed(_l("The user who asked for this pack may no longer build it.")) from None
        pack_id, contractor_id, contractor_name = pack.id, pack.contractor_id, pack.contractor.name
        period_from, period_to = pack.period_from, pack.period_to
        built_by = getattr(actor, "email", "") or ""
    kinds = registry.sections()
    total = len(kinds) + 2
    folder = services.pack_dir()
    name = f"pack-{pack_id}-{secrets.token_hex(8)}.zip"
    partial = folder / f"{name}.part"
    built_at = utcnow()
    writer = PackWriter(partial, to_jst(built_at))
    try:
        done_sections: list[Section] = []
        covered: dict[str, set[int]] = {}
        for step, kind in enumerate(kinds):
            run.progress(step, total, message=_("Building: %(section)s", section=kind.key))
            with uow.read_only():
                direct, below = services.scope(actor, contractor_id)
                ctx = PackContext(actor=actor, contractor=db.session.get(Organisation, contractor_id),
                                  period_from=period_from, period_to=period_to, entrustment_ids=direct,
                                  subcontract_ids=below, writer=writer, covered=covered)
                before = len(writer.entries)
                section = kind.builder(ctx)
                section.files = len(writer.entries) - before
                done_sections.append(section)
        run.progress(len(kinds), total, message=_("Writing the summary"))
        about = {"pack_id": pack_id, "contractor": {"id": contractor_id, "name": contractor_name},
                 "period": {"from": period_from.isoformat(), "to": period_to.isoformat()},
                 "built_at": built_at.isoformat(), "built_by": built_by}
        with uow.read_only():
            cover = Section("cover", "監督証跡パック", "Supervision evidence pack", [Paragraph(
                f"{contractor_name}（{period_from:%Y-%m-%d}〜{period_to:%Y-%m-%d}）について、"
                f"{about['built_by']} が閲覧できる記録から作成しました（{to_jst(built_at):%Y-%m-%d %H:%M} JST）。"
                "各ファイルのSHA-256はmanifest.jsonにあり、flask verify-pack で照合できます。",
                f"Built from the records {about['built_by']} may see about {contractor_name} for "
                f"{period_from:%Y-%m-%d} to {period_to:%Y-%m-%d} ({to_jst(built_at):%Y-%m-%d %H:%M} JST). The SHA-256 "
                "of every file is in manifest.json; `flask verify-pack` checks them.")])
            document = [cover, *done_sections]
            writer.add_bytes("summary.docx", summary.docx(document, about))
            run.progress(len(kinds) + 1, total, message=_("Writing the summary"))
            writer.add_bytes("summary.pdf", summary.pdf(document, about))
        manifest, files = writer.finish(about)
    except BaseException:
        writer.abort()
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, folder / name)
    return _record(actor, pack_id, name, manifest, files, built_at)


@uow.atomic()
def _record(actor, pack_id: int, name: str, manifest: bytes, files: int, built_at) -> dict:
    pack = db.session.get(EvidencePack, pack_id)
    old = pack.file_name
    path = services.pack_dir() / name
    pack.file_name, pack.size, pack.sha256 = name, path.stat().st_size, _file_sha256(path)
    pack.manifest_sha256, pack.file_count, pack.built_at = hashlib.sha256(manifest).hexdigest(), files, built_at
    trail.record(actor, "pack_build", "evidence_pack", pack.id, label=pack.contractor.name,
                 after={**pack.snapshot(), "files": files, "size": pack.size, "sha256": pack.sha256,
                        "manifest_sha256": pack.manifest_sha256})
    if old and old != name:
        (services.pack_dir() / old).unlink(missing_ok=True)
    return {"pack_id": pack.id, "files": files, "size": pack.size, "sha256": pack.sha256}
