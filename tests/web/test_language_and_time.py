"""Japanese first, English second; times in Japan time; the catalogue is complete."""

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from oversight.templating import format_datetime
from tests.factories import PASSWORD, gen_organisation, gen_user
from tests.helpers import text_of

ROOT = Path(__file__).resolve().parents[2]


def test_pages_are_in_japanese_by_default_and_switch_to_english(client):
    user = gen_user(gen_organisation("さくら商事"), role="privacy_office")
    page = text_of(client.get("/login"))
    assert "ログイン" in page and "パスワード" in page
    client.login(user.email, PASSWORD)
    assert "対応が必要な事項" in text_of(client.get("/"))
    client.post("/language/en", {"next": "/"})
    assert "What needs attention" in text_of(client.get("/"))
    client.post("/language/ja_JP", {"next": "/"})
    assert "対応が必要な事項" in text_of(client.get("/"))


def test_a_wrong_password_gets_a_japanese_message(client):
    user = gen_user(gen_organisation(), role="viewer")
    response = client.login(user.email, "wrong password!!")
    assert response.status_code == 401
    assert "メールアドレスまたはパスワードが正しくありません。" in text_of(response)


def test_times_are_stored_in_utc_and_shown_in_japan_time():
    assert format_datetime(datetime(2026, 12, 31, 15, 30, tzinfo=UTC)) == "2027-01-01 00:30 JST"


def test_every_message_has_a_japanese_translation_and_the_compiled_catalogue_is_current(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    "oversight/translations/babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    po_path = ROOT / "oversight/translations/ja_JP/LC_MESSAGES/messages.po"
    with po_path.open("rb") as fh:
        translated = {m.id: m.string for m in read_po(fh) if m.id}
    with pot.open("rb") as fh:
        wanted = [m.id for m in read_po(fh) if m.id]
    missing = [m for m in wanted if not translated.get(m)]
    assert not missing, f"untranslated: {missing}"
    with po_path.with_suffix(".mo").open("rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    assert compiled == {k: v for k, v in translated.items() if v}, "recompile messages.mo from messages.po"


def test_no_message_is_defined_twice_in_the_catalogue():
    """gettext's msgfmt refuses a catalogue that defines a message twice (babel keeps the last one silently)."""
    text = (ROOT / "oversight/translations/ja_JP/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    keys = [(ctxt or "", msgid) for ctxt, msgid in re.findall(
        r'^(?:msgctxt "((?:[^"\\]|\\.)*)"\n)?msgid ((?:"(?:[^"\\]|\\.)*"\n?)+)', text, flags=re.M)]
    seen, twice = set(), []
    for key in keys:
        if key in seen and key[1].strip() != '""':
            twice.append(key)
        seen.add(key)
    assert not twice, f"defined twice: {twice}"
