"""A large registry import (CSV/Excel) is applied by the worker: its page shows the rows applied so far, then what
was done. Small files are still applied in the request. Only the importer's public functions are used."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from oversight.jobs import kinds, services
from oversight.registry import importexport

KIND = "registry-import"


def runs_in_worker(batch) -> bool:
    """Whether an upload is large enough to be applied by the worker (more rows than IMPORT_WORKER_ROWS)."""
    return batch.row_count > int(current_app.config["IMPORT_WORKER_ROWS"])


def submit_apply(actor, batch_id: str):
    """Queue the application of a previewed upload of the actor's; the same upload submitted again is the same
    job (a failed one is retried from the jobs page)."""
    batch = importexport.get_import(actor, batch_id)  # NotFound for anyone else's upload
    return services.submit(actor, KIND, {"batch_id": batch.id, "filename": batch.filename}, key=batch.id,
                           total=batch.row_count)


def _apply(run) -> dict:
    run.progress(0, message=_l("Applying the file to the registry"))
    result = importexport.apply_import(run.actor, run.params["batch_id"], progress=run.progress)
    run.progress(len(result.rows), len(result.rows), message=_l("Applied"))
    return {"batch_id": run.params["batch_id"], "counts": result.counts}


def _summary(job) -> str:
    counts = (job.result or {}).get("counts")
    if not counts:
        return ""
    return _("Imported: %(create)s created, %(update)s changed, %(unchanged)s unchanged.",
             create=counts["create"], update=counts["update"], unchanged=counts["unchanged"])


def _link(job) -> str | None:
    batch_id = (job.params or {}).get("batch_id")
    return url_for("importexport.preview", batch_id=batch_id) if batch_id else None


def register() -> None:
    """Declare the registry import as a kind of job (the jobs area's init_app calls it)."""
    kinds.register_kind(KIND, _apply, ja="登録簿の取込み", en="Registry import", action="data.import",
                        summary=_summary, link=_link)
