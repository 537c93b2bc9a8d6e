"""One JST (issue 15): oversight.timeutil is pure, and the engine counts its legal days in the same zone."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from oversight import timeutil
from oversight.incidents.art26 import deadlines

ROOT = Path(__file__).resolve().parents[2]


def test_timeutil_imports_neither_flask_nor_the_database():
    code = ("import sys, oversight.timeutil\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_the_engine_and_the_pages_read_a_moment_as_the_same_japan_time():
    late_evening_utc = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
    assert deadlines.JST is timeutil.JST
    assert deadlines.to_jst(late_evening_utc) == timeutil.to_jst(late_evening_utc)
    assert timeutil.today_jst(late_evening_utc).isoformat() == "2026-04-01"
    assert f"{timeutil.to_jst(late_evening_utc):%Y-%m-%d %H:%M %Z}" == "2026-04-01 00:30 JST"
