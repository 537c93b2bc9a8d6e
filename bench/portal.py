"""Sustained filing throughput under gunicorn: `python -m bench portal`.

The contractor portal's filing endpoint, POST /api/v1/notifications, served by the production server (gunicorn,
WORKERS sync workers, as the README runs it) against a throwaway database, driven by CONCURRENCY client threads
of this process over HTTP (http.client; a sync worker closes the connection after each answer, so each
request connects anew, as it would through a proxy without keep-alive). The baseline is a bare endpoint of the
same app in the same gunicorn, POST /api/v1/bench/bare-insert (bench/portal_app.py): the same bearer-token
check and JSON body reading, then one INSERT of a draft notification and a commit.

Data: the synthetic registry of bench.seed (10,000 organisations, 30,000 entrustments, so the chain queries
run over realistic tables), and on top of it, through the services, CHAINS chains of three tiers: a consignor
entrusts to a contractor, which subcontracts (approved, active) to a subcontractor; every organisation has an
incident contact (the filing's e-mail goes there). The contractor and the subcontractor of each chain have a
contractor_user with an API token: 2 × CHAINS filers, each notifying its direct consignor, so filings come
from 40 vendors to 40 recipients (each with its own receipt counter). Client i sends its k-th request as
filer (i + CONCURRENCY·k) mod 40: every filer is used, and no two clients hammer one row.

Each filing is one transaction: the draft, the receipt (sequence under the recipient's counter row lock,
server time, content hash), the incident opened at the filer with its fan-out up the chain and the recipient's
knowledge, the e-mail queued in the outbox (MAIL_SERVER is empty, so it stays queued), and the hash-chained
trail (a global advisory lock on PostgreSQL).

After a warm-up of both endpoints, the timed run is `blocks` blocks (runs // 10, 2 to 8; 4 by default), each a
bare phase (BARE_SECONDS) and a filing phase (FILING_SECONDS), their order alternating block by block, so that
both see the same machine. Within a phase every client sends requests back to back until the phase's end;
throughput is the phase's 201 answers over its wall time (first send to last answer), summed over the
blocks; latencies are every request's, send to last byte. Any answer but 201 is a failure and fails both
figures. Afterwards the database must agree: filed notifications = filing 201s, drafts = bare 201s, one
incident and one queued e-mail per filing, every recipient's receipt sequences 1..n without gap or duplicate
and its counter at n, and the trail's hash chain intact.

Before gunicorn starts, one filing and one bare insert go through Flask's test client in this process with
SQL statements counted (reported as statements per request), which also proves the request bodies are
accepted before the load starts. During the timed phases CPU time is read from /proc (gunicorn's processes,
this process, the PostgreSQL processes, the whole machine) and reported per request: on a small machine the
server, the database and the clients share the CPUs, and this says which of them a filing costs.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import REPO_ROOT, WORK_DIR, BenchConfig, figure
from bench import seed as seeding
from oversight.incidents.art26.deadlines import JST

WORKERS = 4  # the README's production command: gunicorn -w 4 (sync workers)
WORKER_CLASS = "sync"
CONCURRENCY = 16
CHAINS = 20
WARMUP_SECONDS = 3.0
BARE_SECONDS = 4.0
FILING_SECONDS = 8.0
TARGET_RATE = 50.0  # filings per second
TARGET_P99_RATIO = 10.0  # filing p99 over the bare endpoint's p99
SECRET_KEY = "bench-portal-secret-key-not-for-production"
FILING_PATH = "/api/v1/notifications"
CORPORATE_BASE = 600_000_000_000
PASSWORD = "bench-portal-password-2026"
TIERS = (("{}商事株式会社", "{}ショウジ", "小売"), ("株式会社{}システムサービス", "{}システムサービス", "情報処理"),
         ("{}データ入力株式会社", "{}データニュウリョク", "データ入力"))
TITLE = "端末の不審通信"
MESSAGE = ("本日、当社運用端末から外部への不審な通信を検知しました。当該端末はネットワークから隔離し、"
           "通信先と持ち出しの有無を調査中です。判明次第、続報いたします。")
OVERVIEW = "業務端末1台がマルウェアに感染した疑いがあり、会員の氏名・電話番号が閲覧された可能性がある。"
ERROR_SAMPLES = 5


class BenchmarkError(RuntimeError):
    """The server or the data did not behave as the benchmark needs (a wrong figure is worse than none)."""


@dataclass(frozen=True)
class Filer:
    """A contractor_user's token and the engagement it files on (contractor → its direct consignor)."""

    token: str
    entrustment_id: int
    filer_id: int
    recipient_id: int
    tier: int


@dataclass
class Tally:
    """What one kind of request (bare or filing) did over its phases."""

    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    failures: int = 0
    wall: float = 0.0
    block_rates: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by whom (see CpuMeter)

    def add(self, phase: Tally) -> None:
        self.latencies.extend(phase.latencies)
        self.ok += phase.ok
        self.failures += phase.failures
        self.wall += phase.wall
        self.block_rates.append(phase.ok / phase.wall if phase.wall else 0.0)
        self.errors.extend(phase.errors[:max(0, ERROR_SAMPLES - len(self.errors))])
        for who, seconds in phase.cpu.items():
            self.cpu[who] = self.cpu.get(who, 0.0) + seconds

    def cpu_ms_per_request(self) -> dict[str, float] | None:
        """CPU milliseconds per 201 answer: gunicorn, the clients, PostgreSQL, the machine, the rest."""
        if not self.cpu or not self.ok:
            return None
        return {who: round(seconds * 1000 / self.ok, 2) for who, seconds in self.cpu.items() if who != "capacity"}

    def machine_busy(self) -> float | None:
        """The share of all CPUs busy during the phases (1.0: the machine was saturated)."""
        if not self.cpu.get("capacity"):
            return None
        return round(self.cpu["machine"] / self.cpu["capacity"], 3)

    @property
    def rate(self) -> float:
        return self.ok / self.wall if self.wall else 0.0


def percentile_ms(samples: list[float], pct: int) -> float:
    """The pct-th percentile of samples in seconds, in milliseconds."""
    return statistics.quantiles(samples, n=100, method="inclusive")[pct - 1] * 1000


class CpuMeter:
    """CPU seconds used so far, from Linux /proc: the gunicorn master and workers ("server"), this process (the
    clients), the PostgreSQL processes on this machine ("postgres", by process name; backends that exit between
    two snapshots are missed), all CPUs busy ("machine", steal excluded) and the rest of the machine ("other":
    the kernel's loopback networking, other processes)."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.available = Path("/proc/stat").exists()

    def _stat(self, pid: int | str) -> tuple[str, float]:
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return "", 0.0
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        return name, (int(fields[11]) + int(fields[12])) / self.tick  # utime, stime

    def _children(self, pid: int) -> list[int]:
        try:
            return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def snapshot(self) -> dict[str, float] | None:
        if not self.available:
            return None
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        busy = sum(values[:7]) - values[3] - values[4]  # user … softirq, less idle and iowait (steal left out)
        postgres = sum(cpu for name, cpu in (self._stat(p.name) for p in Path("/proc").iterdir() if p.name.isdigit())
                       if name == "postgres")
        times = os.times()
        return {"server": sum(self._stat(p)[1] for p in (self.server_pid, *self._children(self.server_pid))),
                "clients": times.user + times.system, "postgres": postgres, "machine": busy / self.tick,
                "steal": values[7] / self.tick if len(values) > 7 else 0.0, "wall": time.perf_counter()}

    def between(self, before: dict | None, after: dict | None) -> dict[str, float]:
        if before is None or after is None:
            return {}
        used = {who: after[who] - before[who] for who in ("server", "clients", "postgres", "machine", "steal")}
        used["other"] = max(0.0, used["machine"] - used["server"] - used["clients"] - used["postgres"])
        used["capacity"] = (after["wall"] - before["wall"]) * (os.cpu_count() or 1)
        return used


# ---------------------------------------------------------------- seeding

def seed_chains(app) -> list[Filer]:
    """CHAINS three-tier chains through the services; a token for the contractor and the subcontractor of each."""
    from oversight.accounts import services as accounts
    from oversight.accounts.system import SystemActor
    from oversight.corporate_number import with_check_digit
    from oversight.extensions import db
    from oversight.registry import services as registry

    system = SystemActor(name="bench")
    filers = []
    with app.app_context():
        for i in range(CHAINS):
            stem, kana = seeding.STEMS[i % len(seeding.STEMS)]
            orgs = []
            for tier, (name, name_kana, industry) in enumerate(TIERS):
                orgs.append(registry.create_organisation(system, {
                    "name": name.format(stem), "name_kana": name_kana.format(kana), "industry": industry,
                    "corporate_number": with_check_digit(f"{CORPORATE_BASE + i * 10 + tier:012d}"),
                    "profile": {"contacts": [{
                        "role": "incident", "name": "情報セキュリティ窓口",
                        "email": f"csirt@portal{i}-{tier}.example.jp", "phone": f"03-5{i:03d}-010{tier}",
                        "available_24_7": True}]}}))
            consignor, contractor, subcontractor = orgs
            top = registry.create_entrustment(system, {
                "consignor_id": consignor.id, "contractor_id": contractor.id, "data_set": "会員情報",
                "purpose": "会員管理システムの運用", "data_items": ["name", "address", "phone", "email", "customer_id"],
                "person_count": 120_000 + 1_000 * i})
            sub = registry.propose_subcontract(system, top.id, {
                "contractor_id": subcontractor.id, "data_set": "会員情報（データ入力）",
                "purpose": "会員情報のうちデータ入力", "data_items": ["name", "address", "phone"],
                "person_count": 40_000 + 500 * i})
            registry.decide_subcontract(system, sub.id, approve=True)
            sub = registry.transition_entrustment(system, sub.id, "activate")
            for tier, (org, engagement) in enumerate(((contractor, top), (subcontractor, sub)), start=1):
                user = accounts.create_user(None, {
                    "email": f"portal{i}-{tier}@vendor{i}.example.jp", "name": f"{org.name} 担当者",
                    "role": "contractor_user", "password": PASSWORD, "organisation_id": org.id})
                _, token = accounts.issue_token(user, "ticketing")
                filers.append(Filer(token, engagement.id, org.id, engagement.consignor_id, tier))
        db.session.remove()
    return filers


def filing_body(filer: Filer, now: datetime) -> dict:
    """A first notice (初報): suspected unauthorised access, known an hour ago, occurred yesterday (JST)."""
    jst = now.astimezone(JST)
    return {"entrustment_id": filer.entrustment_id, "title": TITLE, "message": MESSAGE,
            "facts": {"certainty": "suspected", "cause": "unauthorised_access", "data_items": ["name", "phone"],
                      "occurred_on": (jst - timedelta(days=1)).date().isoformat(),
                      "known_at": (jst - timedelta(hours=1)).replace(microsecond=0).isoformat(),
                      "report_items": {"overview": OVERVIEW}}}


def bare_body(filer: Filer) -> dict:
    return {"entrustment_id": filer.entrustment_id, "filer_id": filer.filer_id, "recipient_id": filer.recipient_id,
            "title": TITLE}


# ---------------------------------------------------------------- the in-process probe

def probe(app, filer: Filer, bodies: dict[str, bytes]) -> dict[str, int]:
    """One filing and one bare insert through the test client: both must answer 201; SQL statements of each."""
    from sqlalchemy import event

    from bench.portal_app import BARE_PATH
    from oversight.extensions import db

    counts = {}
    with app.app_context():
        engine = db.engine
    for kind, path in (("filing", FILING_PATH), ("bare", BARE_PATH)):
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany, statements=statements):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            response = app.test_client().post(path, data=bodies[kind], headers={
                "Authorization": f"Bearer {filer.token}", "Content-Type": "application/json"})
        finally:
            event.remove(engine, "before_cursor_execute", record)
        if response.status_code != 201:
            raise BenchmarkError(f"POST {path} in process: {response.status_code} "
                                 f"{response.get_data(as_text=True)[:600]}")
        counts[kind] = len(statements)
    return counts


# ---------------------------------------------------------------- the server

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving bench.portal_app:app on a free port, its log in bench/.work."""

    def __init__(self, database_url: str, workers: int = WORKERS):
        WORK_DIR.mkdir(exist_ok=True)
        self.port = _free_port()
        self.workers = workers
        self.log_path = WORK_DIR / f"gunicorn-{self.port}.log"
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "MAIL_SERVER": ""}
        self.command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", WORKER_CLASS,
                        "--bind", f"127.0.0.1:{self.port}", "--chdir", str(REPO_ROOT), "--log-level", "info",
                        "--error-logfile", str(self.log_path), "bench.portal_app:app"]
        self.process = subprocess.Popen(self.command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def check(self) -> None:
        if self.process.poll() is not None:
            raise BenchmarkError(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until every worker has booted and the server answers HTTP."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check()
            booted = self.log_tail(10**6).count("Booting worker with pid")
            if booted >= self.workers:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                    conn.request("GET", "/api/v1/openapi.json")
                    conn.getresponse().read()
                    conn.close()
                    return
                except OSError:
                    pass
            time.sleep(0.2)
        raise BenchmarkError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: gunicorn's graceful shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ---------------------------------------------------------------- the load

class Load:
    """CONCURRENCY clients, each with its own connection, sending one kind of request back to back."""

    def __init__(self, port: int, filers: list[Filer], bodies: dict[str, list[bytes]]):
        from bench.portal_app import BARE_PATH

        self.port = port
        self.filers = filers
        self.bodies = bodies
        self.paths = {"bare": BARE_PATH, "filing": FILING_PATH}
        self.headers = [{"Authorization": f"Bearer {f.token}", "Content-Type": "application/json",
                         "Accept": "application/json"} for f in filers]
        self.connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(CONCURRENCY)]
        self.sent = [0] * CONCURRENCY  # requests client i has sent: its next filer
        self.pool = ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="portal-client")

    def _client(self, index: int, kind: str, start_gate: threading.Event, deadline_box: list[float]) -> Tally:
        conn = self.connections[index]
        path, bodies = self.paths[kind], self.bodies[kind]
        tally = Tally()
        start_gate.wait()
        deadline = deadline_box[0]
        last = time.perf_counter()
        while time.perf_counter() < deadline:
            which = (index + CONCURRENCY * self.sent[index]) % len(self.filers)
            self.sent[index] += 1
            began = time.perf_counter()
            try:
                conn.request("POST", path, body=bodies[which], headers=self.headers[which])
                response = conn.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                status, data = None, repr(error).encode()
                time.sleep(0.01)
            last = time.perf_counter()
            tally.latencies.append(last - began)
            if status == 201:
                tally.ok += 1
            else:
                tally.failures += 1
                if len(tally.errors) < ERROR_SAMPLES:
                    tally.errors.append(f"{kind} as filer {self.filers[which].filer_id}: {status} "
                                        f"{data[:300].decode(errors='replace')}")
        tally.wall = last  # the moment of this client's last answer; made relative by `phase`
        return tally

    def phase(self, kind: str, seconds: float) -> Tally:
        """Every client sends `kind` requests until `seconds` have passed; the phase's tally."""
        gate, deadline_box = threading.Event(), [0.0]
        futures = [self.pool.submit(self._client, i, kind, gate, deadline_box) for i in range(CONCURRENCY)]
        time.sleep(0.05)  # let the threads reach the gate
        start = time.perf_counter()
        deadline_box[0] = start + seconds
        gate.set()
        parts = [f.result() for f in futures]
        result = Tally()
        for part in parts:
            result.latencies.extend(part.latencies)
            result.ok += part.ok
            result.failures += part.failures
            result.errors.extend(part.errors)
        result.wall = max(p.wall for p in parts) - start
        return result

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        for conn in self.connections:
            conn.close()


# ---------------------------------------------------------------- checking the database afterwards

def integrity(app, filings: int, bares: int) -> dict:
    """What the database holds after the run, against the 201 answers counted by the clients."""
    from sqlalchemy import func, select

    from oversight.extensions import db
    from oversight.incidents.models import Incident
    from oversight.notifications.models import Notification, ReceiptCounter
    from oversight.outbox.models import OutboxMessage
    from oversight.trail import services as trail

    with app.app_context():
        s = db.session
        filed = s.scalar(select(func.count()).select_from(Notification).where(Notification.status == "filed"))
        drafts = s.scalar(select(func.count()).select_from(Notification).where(Notification.status == "draft"))
        incidents = s.scalar(select(func.count()).select_from(Incident))
        mails = s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.object_type == "notification"))
        per_recipient = s.execute(select(
            Notification.recipient_id, func.count(), func.count(func.distinct(Notification.sequence)),
            func.min(Notification.sequence), func.max(Notification.sequence)).where(
            Notification.status == "filed").group_by(Notification.recipient_id)).all()
        counters = dict(s.execute(select(ReceiptCounter.organisation_id, ReceiptCounter.last_sequence)).all())
        bad = [{"recipient_id": r, "filed": n, "distinct": d, "min": lo, "max": hi, "counter": counters.get(r)}
               for r, n, d, lo, hi in per_recipient
               if not (n == d == hi == counters.get(r) and lo == 1)]
        bad += [{"recipient_id": r, "filed": 0, "counter": c} for r, c in counters.items()
                if c and r not in {row[0] for row in per_recipient}]
        chain = trail.verify()
        db.session.remove()
    result = {
        "filed_notifications": filed, "filing_201s": filings,
        "draft_notifications": drafts, "bare_201s": bares,
        "incidents_opened": incidents, "mails_queued": mails,
        "recipients": len(per_recipient), "receipt_sequences_gapless": not bad,
        "receipt_sequence_problems": bad[:10],
        "trail_records": chain.count, "trail_ok": chain.ok,
    }
    if not chain.ok:
        result["trail_problem"] = f"record {chain.first_bad_seq}: {chain.reason}"
    result["consistent"] = (filed == filings and drafts == bares and incidents == filings and mails == filings
                            and not bad and chain.ok)
    return result


# ---------------------------------------------------------------- the run

def measure(url: str, backend: str, blocks: int) -> dict[str, dict]:
    """Seed the chains, probe, start gunicorn, warm up, run the blocks, check the database."""
    from bench.portal_app import create
    from oversight.extensions import db

    app = create(BenchConfig, {"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_FAST": True})
    started = time.perf_counter()
    filers = seed_chains(app)
    now = datetime.now(UTC)
    encoded = {"filing": [json.dumps(filing_body(f, now), ensure_ascii=False).encode() for f in filers],
               "bare": [json.dumps(bare_body(f), ensure_ascii=False).encode() for f in filers]}
    statements = probe(app, filers[0], {kind: bodies[0] for kind, bodies in encoded.items()})
    with app.app_context():
        db.engine.dispose()
    print(f"  {CHAINS} three-tier chains, {len(filers)} filers with tokens, seeded in "
          f"{time.perf_counter() - started:.1f} s; in process: {statements['filing']} SQL statements per filing, "
          f"{statements['bare']} per bare insert")

    server = Server(url)
    load = None
    try:
        server.wait_ready()
        print(f"  gunicorn: {WORKERS} {WORKER_CLASS} workers on 127.0.0.1:{server.port} (pid {server.process.pid}); "
              f"{CONCURRENCY} clients; {os.cpu_count()} CPUs shared by server, database and clients")
        load = Load(server.port, filers, encoded)
        meter = CpuMeter(server.process.pid)
        warm = {kind: load.phase(kind, WARMUP_SECONDS) for kind in ("bare", "filing")}
        server.check()
        for kind, tally in warm.items():
            if tally.failures:
                raise BenchmarkError(f"warm-up {kind}: {tally.failures} failures, e.g. {tally.errors[:3]}")
        bare, filing = Tally(), Tally()
        for block in range(blocks):
            order = (("bare", BARE_SECONDS, bare), ("filing", FILING_SECONDS, filing))
            for kind, seconds, total in (order if block % 2 == 0 else order[::-1]):
                before = meter.snapshot()
                phase = load.phase(kind, seconds)
                phase.cpu = meter.between(before, meter.snapshot())
                server.check()
                total.add(phase)
            print(f"  block {block + 1}/{blocks}: bare {bare.block_rates[-1]:,.0f}/s, "
                  f"filing {filing.block_rates[-1]:,.1f}/s"
                  + (f"; failures so far: bare {bare.failures}, filing {filing.failures}"
                     if bare.failures or filing.failures else ""))
    except BaseException:
        print(f"  gunicorn's log is kept: {server.log_path}")
        raise
    else:
        server.log_path.unlink(missing_ok=True)
    finally:
        if load is not None:
            load.close()
        server.stop()
    filings_total = 1 + warm["filing"].ok + filing.ok  # the probe's filing, the warm-up, the timed run
    bares_total = 1 + warm["bare"].ok + bare.ok
    checked = integrity(app, filings_total, bares_total)
    with app.app_context():
        db.engine.dispose()
    return report(backend, blocks, bare, filing, warm, statements, checked)


def report(backend: str, blocks: int, bare: Tally, filing: Tally, warm: dict[str, Tally], statements: dict,
           checked: dict) -> dict[str, dict]:
    if not (bare.latencies and filing.latencies):
        raise BenchmarkError("no requests completed")
    failures = bare.failures + filing.failures
    sound = failures == 0 and checked["consistent"]
    rate, bare_rate = filing.rate, bare.rate
    p50, p99 = percentile_ms(filing.latencies, 50), percentile_ms(filing.latencies, 99)
    bare_p50, bare_p99 = percentile_ms(bare.latencies, 50), percentile_ms(bare.latencies, 99)
    on_postgres = backend == "postgresql"
    rate_passed = sound and rate >= TARGET_RATE
    p99_passed = sound and p99 <= TARGET_P99_RATIO * bare_p99
    if not on_postgres:  # the targets are defined for PostgreSQL: on SQLite only a broken run fails
        rate_passed = p99_passed = None if sound else False
    print(f"  filing: {rate:,.1f} filings/s (bare {bare_rate:,.0f}/s); p50 {p50:,.1f} ms, p99 {p99:,.1f} ms "
          f"(bare p50 {bare_p50:,.1f} ms, p99 {bare_p99:,.1f} ms: {p99 / bare_p99:,.1f}×); "
          f"failures {failures}; database consistent: {checked['consistent']}")
    filing_cpu, bare_cpu = filing.cpu_ms_per_request(), bare.cpu_ms_per_request()
    if filing_cpu and bare_cpu:
        print(f"  CPU ms per request, filing: {filing_cpu} (machine {filing.machine_busy():.0%} busy); "
              f"bare: {bare_cpu} (machine {bare.machine_busy():.0%} busy)")
    busy_elsewhere = max(tally.cpu.get("other", 0.0) / tally.cpu["capacity"] if tally.cpu.get("capacity") else 0.0
                         for tally in (bare, filing))
    if busy_elsewhere > 0.1:
        print(f"  note: up to {busy_elsewhere:.0%} of the CPUs went to other work during the phases (neither gunicorn, "
              f"the clients nor PostgreSQL): the figures are pessimistic")
    for error in (filing.errors + bare.errors)[:ERROR_SAMPLES]:
        print(f"  failure: {error}")
    if not checked["consistent"]:
        print(f"  database check: {json.dumps(checked, ensure_ascii=False)}")
    if not on_postgres:
        print("  note: the targets (≥ 50 filings/s, p99 ≤ 10× bare) are defined for PostgreSQL; "
              "on SQLite the figures are for information")
    shared = {
        "backend": backend, "server": f"gunicorn -w {WORKERS} -k {WORKER_CLASS} bench.portal_app:app",
        "workers": WORKERS, "worker_class": WORKER_CLASS, "concurrency": CONCURRENCY, "cpus": os.cpu_count(),
        "blocks": blocks, "bare_seconds_per_block": BARE_SECONDS, "filing_seconds_per_block": FILING_SECONDS,
        "filings": filing.ok, "bare_inserts": bare.ok, "filing_failures": filing.failures,
        "bare_failures": bare.failures, "failure_samples": (filing.errors + bare.errors)[:ERROR_SAMPLES],
        "warmup": {"seconds": WARMUP_SECONDS, "filings": warm["filing"].ok, "bare_inserts": warm["bare"].ok},
        "filers": 2 * CHAINS, "chains": CHAINS,
        "statements_per_filing": statements["filing"], "statements_per_bare_insert": statements["bare"],
        "via": f"POST {FILING_PATH} (Authorization: Bearer, JSON body) from {CONCURRENCY} http.client threads, "
               f"back to back, each rotating over the {2 * CHAINS} filers' tokens and engagements",
        "baseline_endpoint": "POST /api/v1/bench/bare-insert in the same gunicorn: same token check and "
                             "json_object(), one INSERT of a draft notification, commit",
        "integrity": checked,
    }
    if not on_postgres:
        shared["note"] = "targets defined for PostgreSQL; on SQLite reported for information"
    return {
        "portal_filing_throughput": figure(
            rate, "filings/s", bare_rate, f"≥ {TARGET_RATE:.0f} filings/s", rate_passed,
            block_rates=[round(r, 1) for r in filing.block_rates],
            baseline_block_rates=[round(r, 1) for r in bare.block_rates],
            wall_seconds=round(filing.wall, 2), baseline_wall_seconds=round(bare.wall, 2),
            cpu_ms_per_filing=filing_cpu, cpu_ms_per_bare_insert=bare_cpu,
            machine_busy_filing=filing.machine_busy(), machine_busy_bare=bare.machine_busy(),
            cpu_share_elsewhere=round(busy_elsewhere, 3),
            cpu_note="CPU time per 201 answer during the timed phases, from /proc: server = gunicorn master and "
                     "workers, clients = this process, postgres = processes named postgres, machine = all CPUs "
                     "busy, other = machine less the three (kernel networking, the rest), steal = the hypervisor's",
            **shared),
        "portal_filing_p99": figure(
            p99, "ms", bare_p99, f"≤ {TARGET_P99_RATIO:.0f}× the bare endpoint's p99", p99_passed,
            p50=round(p50, 2), baseline_p50=round(bare_p50, 2),
            p90=round(percentile_ms(filing.latencies, 90), 2),
            baseline_p90=round(percentile_ms(bare.latencies, 90), 2),
            max=round(max(filing.latencies) * 1000, 2), baseline_max=round(max(bare.latencies) * 1000, 2),
            **{k: v for k, v in shared.items() if k != "integrity"},
            consistent=checked["consistent"]),
    }


def run(backend: str, *, keep: bool = False, runs: int = 40) -> dict[str, dict]:
    """Create and seed a database, serve it with gunicorn, load it, check it, drop it (unless keep)."""
    from bench.registry import seed_in_subprocess

    blocks = max(2, min(8, runs // 10))
    with seeding.throwaway_database(backend, keep=keep) as url:
        started = time.perf_counter()
        manifest = seed_in_subprocess(url)
        print(f"  registry seeded in {time.perf_counter() - started:.1f} s: {manifest['organisations']:,} "
              f"organisations, {manifest['entrustments']:,} entrustments")
        results = measure(url, backend, blocks)
    return results


if __name__ == "__main__":  # pragma: no cover
    from bench.__main__ import main

    sys.exit(main(["portal", *sys.argv[1:]]))
