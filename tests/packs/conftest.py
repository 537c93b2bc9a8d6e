import pytest


@pytest.fixture(autouse=True)
def pack_dir(app, tmp_path, monkeypatch):
    """Built packs go to the test's own folder."""
    folder = tmp_path / "packs"
    monkeypatch.setitem(app.config, "EVIDENCE_PACK_DIR", str(folder))
    return folder
