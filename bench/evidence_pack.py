"""An evidence pack of 200 evidence files totalling 1 GiB: `python -m bench evidence_pack`.

Seeding writes the rows through the tables directly (one consignor, its vendor, an entrustment, an audit with one
finding, and 200 remediation files of 5 MiB each, inserted one at a time), in a SQLite database under bench/.work.
Then two child processes run against it, each measuring its own peak RSS (`resource.getrusage` ru_maxrss):

* baseline: a plain loop that reads the 200 blobs one at a time (sqlite3) and streams them into a zip with
  zipfile — the least any pack of the same files costs;
* pack:     the app, `services.request_pack` as the consignor's privacy office, the worker's build run in the
  process (JOBS_IMMEDIATE) — every section, the summary (.docx and PDF), the manifest.

Figures: the pack's peak RSS (target < 300 MB) beside the baseline's, both wall times, and the check of the built
pack against its manifest (every file re-hashed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import REPO_ROOT, WORK_DIR, figure

FILES = 200
TOTAL = 1 << 30
TARGET_MB = 300


def _seed(db_path: Path) -> dict:
    """The database: migrations, the parties, and the 200 evidence blobs (untimed)."""
    from flask_migrate import upgrade

    from audits.audit_models import Audit, Finding
    from oversight.accounts import services as accounts
    from oversight.app import create_app
    from oversight.config import TestConfig
    from oversight.extensions import db
    from oversight.registry import services as registry
    from oversight.timeutil import today_jst

    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}"})
    with app.app_context():
        upgrade()
        from tests.factories import SYSTEM, corporate_number

        consignor = registry.create_organisation(SYSTEM, {"name": "ベンチ委託元株式会社",
                                                          "corporate_number": corporate_number()})
        vendor = registry.create_organisation(SYSTEM, {"name": "ベンチ委託先株式会社",
                                                       "corporate_number": corporate_number()})
        user = accounts.create_user(None, {"email": "privacy@bench.example", "name": "ベンチ", "role":
                                             "privacy_office", "organisation_id": consignor.id,
                                             "password": "bench-password-2026-x"})
        e = registry.create_entrustment(SYSTEM, {"consignor_id": consignor.id, "contractor_id": vendor.id,
                                                 "data_set": "会員データ", "person_count": 5000})
        today = today_jst()
        audit = Audit(auditor_id=consignor.id, entrustment_id=e.id, vendor_id=vendor.id, kind="onsite",
                      status="closed", due_on=today, tier="high", opened_by_name="clock")
        db.session.add(audit)
        db.session.flush()
        finding = Finding(auditor_id=consignor.id, vendor_id=vendor.id, entrustment_id=e.id, audit_id=audit.id,
                          severity="high", title="証跡の大量提出", due_on=today, status="closed")
        db.session.add(finding)
        db.session.commit()
        ids = {"user": user.email, "vendor": vendor.id, "finding": finding.id, "today": today.isoformat()}
    size = TOTAL // FILES
    body = os.urandom(size)
    import hashlib
    import sqlite3

    connection = sqlite3.connect(db_path)
    statement = ("INSERT INTO finding_evidence (finding_id, event_id, filename, media_type, size, sha256, content, "
                 "uploaded_by_id, uploaded_by_name, uploaded_at) VALUES (:finding_id, :event_id, :filename, "
                 ":media_type, :size, :sha256, :content, :uploaded_by_id, :uploaded_by_name, :uploaded_at)")
    for n in range(FILES):
        content = f"%PDF-1.4 bench evidence {n:04d}\n".encode() + body[64:]
        connection.execute(statement, {"finding_id": ids["finding"], "event_id": None, "filename": f"証跡{n:04d}.pdf",
             "media_type": "application/pdf", "size": len(content), "sha256": hashlib.sha256(content).hexdigest(),
             "content": content, "uploaded_by_id": None, "uploaded_by_name": "bench",
             "uploaded_at": "2026-12-01 00:00:00.000000"})
        connection.commit()
        del content
    connection.close()
    return ids


BASELINE = r"""
import resource, sqlite3, sys, time, zipfile
started = time.perf_counter()
db, out = sys.argv[1], sys.argv[2]
connection = sqlite3.connect(db)
ids = [r[0] for r in connection.execute("SELECT id FROM finding_evidence ORDER BY id")]
with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
    for i in ids:
        (content,) = connection.execute("SELECT content FROM finding_evidence WHERE id = ?", (i,)).fetchone()
        with archive.open(f"evidence/{i}.pdf", "w") as target:
            target.write(content)
        del content
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - started)
"""

PACK = r"""
import resource, sys, time
from oversight.app import create_app
from oversight.config import TestConfig
db, folder, email, vendor, day = sys.argv[1:6]
app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}", "EVIDENCE_PACK_DIR": folder,
                              "JOBS_IMMEDIATE": True})
with app.app_context():
    from sqlalchemy import select
    from oversight.accounts.models import User
    from oversight.extensions import db as database
    from oversight.packs import services
    user = database.session.scalar(select(User).where(User.email == email))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    pack = services.request_pack(user, {"contractor_id": int(vendor), "period_from": "2026-01-01",
                                        "period_to": day})
    pack = services.get_pack(user, pack.id)
    elapsed = time.perf_counter() - started
    assert pack.status == "ready", pack.job.error
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, elapsed, before, services.pack_path(pack),
          pack.file_count, pack.size)
"""


def _child(script: str, *args) -> list[str]:
    out = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True,
                         cwd=REPO_ROOT, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return out.stdout.split()


def measure() -> dict:
    """Seed, run the baseline and the pack build in child processes, check the pack."""
    from oversight.packs.manifest import verify

    work = WORK_DIR / "evidence_pack"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db_path = work / "bench.db"
    started = time.perf_counter()
    ids = _seed(db_path)
    seed_seconds = time.perf_counter() - started
    base_rss, base_seconds = _child(BASELINE, db_path, work / "baseline.zip")
    rss, seconds, rss_before, path, files, size = _child(PACK, db_path, work / "packs", ids["user"], ids["vendor"],
                                                         ids["today"])
    started = time.perf_counter()
    report = verify(path)
    verify_seconds = time.perf_counter() - started
    result = {"pack_peak_mb": int(rss) / 1024, "pack_seconds": float(seconds), "rss_before_build_mb":
              int(rss_before) / 1024, "baseline_peak_mb": int(base_rss) / 1024,
              "baseline_seconds": float(base_seconds), "files": int(files), "size": int(size),
              "intact": report.intact, "verify_seconds": verify_seconds, "seed_seconds": seed_seconds}
    shutil.rmtree(work, ignore_errors=True)
    return result


def run(backend: str, *, keep: bool = False, runs: int = 40) -> dict[str, dict]:
    """The figures (SQLite whatever the backend: the blobs are read the same way, one row at a time)."""
    m = measure()
    verdict = "intact" if m["intact"] else "BROKEN"
    print(f"  evidence_pack: peak RSS {m['pack_peak_mb']:.0f} MB building {m['files']} files, "
          f"{m['size'] / 2**30:.2f} GiB in {m['pack_seconds']:.1f} s (RSS before the build "
          f"{m['rss_before_build_mb']:.0f} MB); baseline zip loop {m['baseline_peak_mb']:.0f} MB in "
          f"{m['baseline_seconds']:.1f} s; verify-pack {verdict} in {m['verify_seconds']:.1f} s")
    return {
        "evidence_pack_peak_rss_mb": figure(
            m["pack_peak_mb"], "MB", m["baseline_peak_mb"], f"< {TARGET_MB} MB",
            m["pack_peak_mb"] < TARGET_MB and m["intact"], files=m["files"], bytes=m["size"],
            rss_before_build_mb=round(m["rss_before_build_mb"], 1), database="sqlite",
            via="oversight.packs.services.request_pack as the privacy office, the worker's build in the process "
                "(JOBS_IMMEDIATE): every section, summary .docx and PDF, manifest",
            baseline_loop="sqlite3 reads each blob one at a time and zipfile streams it into a zip",
            statistic="peak RSS of the child process (resource.getrusage ru_maxrss), whole process"),
        "evidence_pack_build_seconds": figure(
            m["pack_seconds"], "s", m["baseline_seconds"], "info", None, verify_seconds=round(m["verify_seconds"], 2),
            intact=m["intact"], seed_seconds=round(m["seed_seconds"], 1)),
    }


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(measure(), indent=2))
