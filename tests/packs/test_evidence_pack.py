"""The supervision evidence pack as the privacy office uses it: ask for one for a contractor and a year, the worker
builds it as that user, and the zip holds each section's records — and never another consignor's."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from oversight.errors import ValidationFailed
from oversight.extensions import db
from oversight.packs import manifest, services
from oversight.trail.models import TrailRecord
from tests.packs.world import gen_pack_world


@pytest.fixture
def world():
    return gen_pack_world()


def _build(user, contractor, period):
    pack = services.request_pack(user, {"contractor_id": contractor.id, **period})
    pack = services.get_pack(user, pack.id)
    assert pack.status == "ready", pack.job.error
    return pack


def _zip(pack) -> zipfile.ZipFile:
    return zipfile.ZipFile(services.pack_path(pack))


def _everything(archive: zipfile.ZipFile) -> str:
    """Every text file of the pack, and the summary's words, as one string to search."""
    from docx import Document

    texts = [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
             if n.endswith((".csv", ".json"))]
    document = Document(io.BytesIO(archive.read("summary.docx")))
    texts += [p.text for p in document.paragraphs]
    texts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(texts) + "\n" + "\n".join(archive.namelist())


def test_the_privacy_office_gets_each_section_of_its_supervision_in_one_zip(world):
    pack = _build(world.privacy, world.shared, world.period)
    with _zip(pack) as archive:
        names = archive.namelist()
        text = _everything(archive)
        assert {"summary.docx", "summary.pdf", "manifest.json", "registry/entrustments.csv",
                "registry/subcontracts.csv", "contracts/gaps.csv", "trail/trail.csv"} <= set(names)
        # selection: answers, evidence, score and the decision with its condition
        request = f"selection/request-{world.shared_request.id}"
        assert f"{request}/answers.csv" in names and f"{request}/score.json" in names
        assert any(n.startswith(f"{request}/evidence/") for n in names)
        assert "SOC 2 Type II報告書の提出" in text and "条件付き承認" in text
        # contract: the generated .docx itself, byte for byte
        version = [n for n in names if n.startswith(f"contracts/entrustment-{world.entrustment.id}/v1-")]
        assert version and archive.read(version[0]) == world.version.content
        # the audit, its checklist, its finding and the remediation evidence that closed it
        folder = f"audits/audit-{world.audit.id}"
        assert "入退室管理の記録がない" in text and "入退室管理" in text
        evidence = [n for n in names if n.startswith(f"{folder}/findings/")]
        assert evidence and archive.read(evidence[0]).endswith(b"sakura-remediation")
        # the subcontract below the vendor, the notification with its receipt and attachment
        assert "コールセンター（さくら分）" in text
        receipt = world.notification.receipt_number
        assert any(n.startswith(f"notifications/{receipt}/receipt-") for n in names)
        assert any(n.startswith(f"notifications/{receipt}/attachments/") for n in names)
        # the trail extract names what was recorded about them
        assert "質問票の回答を提出" in archive.read("trail/trail.csv").decode("utf-8")
        assert archive.read("summary.pdf").startswith(b"%PDF")


def test_a_sibling_consignors_records_of_the_same_vendor_never_reach_the_pack(world):
    pack = _build(world.privacy, world.shared, world.period)
    with _zip(pack) as archive:
        text = _everything(archive)
        for theirs in ("大津市", "大津だけの再委託先", "大津市だけの指摘事項", "卒業アルバム", "大津市分の紛失",
                       "大津市の承認理由", world.otsu_version.sha256):
            assert theirs not in text, theirs
        blobs = b"".join(archive.read(n) for n in archive.namelist() if not n.endswith((".csv", ".json")))
        assert b"otsu-remediation" not in blobs
        assert world.otsu_notification.receipt_number not in "\n".join(archive.namelist())


def test_the_sibling_consignor_builds_its_own_pack_of_the_same_vendor_with_only_its_own_records(world):
    pack = _build(world.otsu_privacy, world.shared, world.period)
    with _zip(pack) as archive:
        text = _everything(archive)
        assert "大津市だけの指摘事項" in text
        for ours in ("さくら", "入退室管理の記録がない", "SOC 2 Type II報告書の提出", "コールセンター（さくら分）"):
            assert ours not in text, (ours, text[max(0, text.find(ours) - 300):text.find(ours) + 100])


def test_verify_pack_accepts_a_fresh_pack_and_names_each_file_changed_added_or_removed(world, tmp_path, app):
    pack = _build(world.privacy, world.shared, world.period)
    fresh = services.pack_path(pack)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["verify-pack", str(fresh)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "matches the record" in result.output

    with zipfile.ZipFile(fresh) as source:
        entries = [(i, source.read(i.filename)) for i in source.infolist()]
    victim = next(i.filename for i, _ in entries if i.filename.startswith("audits/") and "findings/" in i.filename)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as out:
        for info, data in entries:
            if info.filename == "registry/subcontracts.csv":
                continue  # removed
            out.writestr(info, data + b"forged" if info.filename == victim else data)
        out.writestr("extra/note.txt", "added later")
    result = runner.invoke(args=["verify-pack", str(tampered)])
    assert result.exit_code == 1
    assert f"changed: {victim}" in result.output
    assert "added: extra/note.txt" in result.output
    assert "removed: registry/subcontracts.csv" in result.output


def test_a_manifest_rewritten_to_match_a_forged_file_is_caught_against_the_record(world, tmp_path, app):
    pack = _build(world.privacy, world.shared, world.period)
    with zipfile.ZipFile(services.pack_path(pack)) as source:
        entries = {i.filename: source.read(i.filename) for i in source.infolist()}
    entries["registry/entrustments.csv"] += b"forged"
    data = json.loads(entries[manifest.MANIFEST_NAME])
    import hashlib
    for f in data["files"]:
        if f["path"] == "registry/entrustments.csv":
            f["sha256"] = hashlib.sha256(entries["registry/entrustments.csv"]).hexdigest()
            f["size"] = len(entries["registry/entrustments.csv"])
    entries[manifest.MANIFEST_NAME] = json.dumps(data).encode()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as out:
        for name, content in entries.items():
            out.writestr(name, content)
    result = app.test_cli_runner().invoke(args=["verify-pack", str(forged)])
    assert result.exit_code == 1
    assert "manifest.json differs from the record" in result.output


def test_a_period_ending_before_it_starts_or_an_unseen_contractor_is_refused_and_nothing_is_stored(world):
    before = db.session.scalar(select(func.count()).select_from(TrailRecord))
    with pytest.raises(ValidationFailed) as refused:
        services.request_pack(world.privacy, {"contractor_id": world.shared.id, "period_from": "2026-04-01",
                                              "period_to": "2026-03-31"})
    assert "period_to" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        services.request_pack(world.privacy, {"contractor_id": world.otsu_sub.id, **world.period})
    assert "contractor_id" in refused.value.errors
    assert services.list_packs(world.privacy) == []
    assert db.session.scalar(select(func.count()).select_from(TrailRecord)) == before


def test_building_and_downloading_are_in_the_trail(world, make_client):
    from tests.factories import PASSWORD

    pack = _build(world.privacy, world.shared, world.period)
    pack_id, email, content = pack.id, world.privacy.email, services.pack_path(pack).read_bytes()
    db.session.commit()  # the test's own reads end (outside a request they would hold SQLite's write lock)
    client = make_client()
    client.login(email, PASSWORD)
    response = client.get(f"/evidence-packs/{pack_id}/download")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    assert response.get_data() == content
    response.close()
    actions = db.session.scalars(select(TrailRecord.action).where(TrailRecord.object_type == "evidence_pack",
                                                                  TrailRecord.object_id == pack_id)).all()
    assert actions == ["pack_request", "pack_build", "pack_download"]


def test_a_build_that_fails_says_why_and_builds_when_retried(world, monkeypatch):
    from oversight.errors import Unavailable
    from oversight.jobs import services as jobs
    from oversight.packs import sections

    kinds = {s.key: s for s in sections.sections()}
    original = kinds["contracts"].builder

    def broken(ctx):
        raise Unavailable("契約書の保管庫に接続できません / the contract store does not answer")

    monkeypatch.setitem(sections._sections, "contracts", sections.SectionKind("contracts", 30, broken))
    pack = services.request_pack(world.privacy, {"contractor_id": world.shared.id, **world.period})
    pack = services.get_pack(world.privacy, pack.id)
    assert pack.status == "failed" and "契約書の保管庫に接続できません" in pack.job.error
    assert list(services.pack_dir().iterdir()) == []  # no half-written pack is left behind

    monkeypatch.setitem(sections._sections, "contracts", sections.SectionKind("contracts", 30, original))
    jobs.retry(world.privacy, pack.job_id)
    pack = services.get_pack(world.privacy, pack.id)
    assert pack.status == "ready" and pack.job.attempts == 2


def test_a_pack_past_its_keeping_period_loses_its_file_keeps_its_hashes_and_is_built_again(world, make_client, app):
    import os
    from datetime import timedelta

    from tests.factories import PASSWORD
    from tests.helpers import text_of

    old, fresh = _build(world.privacy, world.shared, world.period), _build(world.privacy, world.shared, world.period)
    old_path, old_id, sha256 = services.pack_path(old), old.id, old.sha256
    old.built_at -= timedelta(days=91)
    left_over, in_progress = services.pack_dir() / "pack-9-dead.zip.part", services.pack_dir() / "pack-10-now.zip.part"
    left_over.write_bytes(b"half"), in_progress.write_bytes(b"half")
    day_ago = (services.utcnow() - timedelta(hours=25)).timestamp()
    os.utime(left_over, (day_ago, day_ago))
    db.session.commit()

    from oversight.scheduler import registered_jobs

    assert services.expire_packs in [job.func for job in registered_jobs() if job.name == "packs-expire"]
    assert services.expire_packs() == "1 expired, 1 left-over files removed"
    assert services.expire_packs() == "0 expired, 0 left-over files removed"  # the clock again: nothing twice
    assert not old_path.exists() and not left_over.exists() and in_progress.exists()
    assert services.pack_path(fresh).exists() and fresh.status == "ready"
    old = services.get_pack(world.privacy, old_id)
    assert old.status == "expired" and old.sha256 == sha256  # a downloaded copy can still be verified
    actions = db.session.scalars(select(TrailRecord.action).where(TrailRecord.object_type == "evidence_pack",
                                                                  TrailRecord.object_id == old_id)).all()
    assert actions == ["pack_request", "pack_build", "pack_expire"]
    db.session.commit()

    client = make_client()
    client.login(world.privacy.email, PASSWORD)
    refused = client.get(f"/evidence-packs/{old_id}/download")
    assert refused.status_code == 409 and "保存期間の終了により削除されました" in text_of(refused)
    page = text_of(client.get(f"/evidence-packs/{old_id}"))
    assert "保存期間切れ" in page and "作成から90日（保存期間）を過ぎたため削除しました" in page and sha256 in page
    again = client.post(f"/organisations/{world.shared.id}/evidence-packs",
                        {"period_from": world.period["period_from"], "period_to": world.period["period_to"]},
                        follow_redirects=True)
    assert "ダウンロード可" in text_of(again)


def test_packs_are_kept_for_ever_when_the_keeping_period_is_zero(world, app, monkeypatch):
    from datetime import timedelta

    monkeypatch.setitem(app.config, "EVIDENCE_PACK_KEEP_DAYS", 0)
    pack = _build(world.privacy, world.shared, world.period)
    pack.built_at -= timedelta(days=3650)
    db.session.commit()
    assert services.expire_packs().startswith("0 expired")
    assert services.pack_path(pack).exists() and pack.status == "ready"
