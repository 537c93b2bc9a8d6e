"""The production server under mixed load: gunicorn (4 workers) on the suite's database — a file on SQLite, a
server when TEST_DATABASE_URL is set — serves auditors paging the audit trail, API clients reading with their
tokens, and contractors filing notifications, all at once for LOAD_SECONDS. Nothing may fail: no 5xx, and every
filing gets its receipt. On SQLite this holds only if reads never take the write lock and writers wait for it
(busy timeout) instead of failing "database is locked"."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
from sqlalchemy import func, select

from oversight.accounts import services as accounts
from oversight.config import REPO_ROOT, TestConfig
from oversight.extensions import db
from oversight.notifications.models import Notification
from oversight.timeutil import utcnow
from oversight.trail import services as trail
from oversight.trail.integrity import chain_rows, head
from oversight.trail.models import TrailRecord
from tests.factories import PASSWORD, SUSPECTED_LEAK, gen_entrustment, gen_organisation, gen_subcontract, gen_user
from tests.helpers import CSRF_RE

pytestmark = pytest.mark.load

LOAD_SECONDS = 15
WORKERS = 4
VIEWERS = 3
FILERS = 4
READERS = 2
HISTORY = 30_000  # trail records already there: walking them all on a page view would take seconds
PAGES = ("/trail", "/trail?object_type=notification", "/trail?actor=system", "/trail?before={middle}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_history(count: int) -> None:
    """A long trail, bulk-inserted after what the factories wrote and chained with the key."""
    last = head()
    rows = [{"at": utcnow(), "actor_user_id": None, "actor_name": "system:import", "actor_org_id": None,
             "action": "update", "object_type": "organisation", "object_id": n % 50 + 1, "object_label": f"組織{n}",
             "before": {"address": f"東京都{n}"}, "after": {"address": f"大阪府{n}"}, "request_id": ""}
            for n in range(count)]
    chain_rows(rows, last)
    for start in range(0, count, 5000):
        db.session.execute(TrailRecord.__table__.insert(), rows[start:start + 5000])
    db.session.commit()


class Server:
    """gunicorn serving `oversight:create_app()` as the README runs it in production."""

    def __init__(self, database_url: str, anchor_path: Path, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": TestConfig.SECRET_KEY,
               "TRAIL_KEY": TestConfig.TRAIL_KEY, "TRAIL_ANCHOR_PATH": str(anchor_path), "MAIL_SERVER": ""}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "120", "--error-logfile", str(log_path), "oversight:create_app()"],
            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                conn.request("GET", "/login")
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
            finally:
                conn.close()
        raise RuntimeError("gunicorn did not answer")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Tally:
    """Every answer, by kind of client, and the receipts the filings got."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.failures: list[str] = []
        self.receipts: list[str] = []

    def add(self, kind: str, status: int | None, body: bytes = b"") -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1
            if status is None or status >= 500:
                self.failures.append(f"{kind}: {status} {body[:300].decode(errors='replace')}")


def viewer(base: str, email: str, deadline: float, tally: Tally, middle: int) -> None:
    """An auditor logged in through the form, paging the trail (and exporting it once) until the deadline."""
    opener = build_opener(HTTPCookieProcessor(CookieJar()))
    token = CSRF_RE.search(opener.open(f"{base}/login", timeout=60).read().decode()).group(1)
    form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(f"{base}/login", form, timeout=60).read()
    n = 0
    while time.monotonic() < deadline:
        path = PAGES[n % len(PAGES)].format(middle=middle) if n % 10 != 9 else "/trail/export.csv?object_type=user"
        n += 1
        try:
            with opener.open(base + path, timeout=60) as response:
                body = response.read()
                tally.add("view", response.status, body)
                if path == "/trail" and b'id="trail"' not in body:
                    tally.add("view-not-the-trail", 599, body)
        except Exception as error:  # noqa: BLE001 - an HTTPError is a failed answer too
            tally.add("view", getattr(error, "code", None), str(error).encode())


def api_request(port: int, method: str, path: str, secret: str, body: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Authorization": f"Bearer {secret}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=json.dumps(body, ensure_ascii=False).encode() if body else None,
                     headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def filer(port: int, secret: str, entrustment_id: int, deadline: float, tally: Tally) -> None:
    """A contractor's ticketing system filing notifications back to back."""
    n = 0
    while time.monotonic() < deadline:
        n += 1
        try:
            status, body = api_request(port, "POST", "/api/v1/notifications", secret, {
                "entrustment_id": entrustment_id, "title": f"端末の不審通信 {n}", "facts": SUSPECTED_LEAK})
        except OSError as error:
            tally.add("filing", None, repr(error).encode())
            continue
        tally.add("filing", status, body)
        with tally.lock:
            if status == 201:
                tally.receipts.append(json.loads(body)["receipt"]["number"])
            elif status < 500:  # a refused filing fails the test too (5xx are counted by add)
                tally.failures.append(f"filing: {status} {body[:300].decode(errors='replace')}")


def reader(port: int, secret: str, deadline: float, tally: Tally) -> None:
    """An API client reading with its token (whose last use is stamped on reads too)."""
    while time.monotonic() < deadline:
        try:
            status, body = api_request(port, "GET", "/api/v1/notifications", secret)
        except OSError as error:
            status, body = None, repr(error).encode()
        tally.add("api-read", status, body)


def test_auditors_paging_the_trail_never_make_a_filing_fail(app, database_url, tmp_path):
    sakura = gen_organisation("さくら商事株式会社")
    toto = gen_organisation("株式会社東都システム")
    members = gen_entrustment(sakura, toto, data_items=["name", "phone"], person_count=100_000)
    vendors = []
    for n in range(FILERS):
        vendor = gen_organisation(f"コールセンター{n}株式会社")
        engagement = gen_subcontract(members, vendor, data_items=["name", "phone"])
        vendors.append((engagement.id, accounts.issue_token(gen_user(vendor, role="contractor_user"), "t")[1]))
    viewers = [gen_user(None, role="admin").email, gen_user(sakura, role="privacy_office").email,
               gen_user(toto, role="auditor").email]
    readers = [accounts.issue_token(gen_user(toto, role="incident_team"), "siem")[1] for _ in range(READERS)]
    seed_history(HISTORY)
    middle = head()[0] // 2
    db.session.remove()

    server = Server(database_url, tmp_path / "anchors.jsonl", tmp_path / "gunicorn.log")
    tally = Tally()
    try:
        server.wait_ready()
        deadline = time.monotonic() + LOAD_SECONDS
        base = f"http://127.0.0.1:{server.port}"
        threads = [threading.Thread(target=viewer, args=(base, viewers[i % len(viewers)], deadline, tally, middle))
                   for i in range(VIEWERS)]
        threads += [threading.Thread(target=filer, args=(server.port, secret, e_id, deadline, tally))
                    for e_id, secret in vendors]
        threads += [threading.Thread(target=reader, args=(server.port, secret, deadline, tally)) for secret in readers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=LOAD_SECONDS + 120)
    finally:
        server.stop()

    assert not tally.failures, f"{len(tally.failures)} failures, e.g. {tally.failures[:3]}; {dict(tally.statuses)}"
    assert tally.statuses[("view", 200)] >= VIEWERS and tally.statuses[("api-read", 200)] >= READERS
    assert tally.receipts and len(set(tally.receipts)) == len(tally.receipts)
    filed = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.status == "filed"))
    assert filed == len(tally.receipts) == tally.statuses[("filing", 201)]
    assert trail.verify().ok
