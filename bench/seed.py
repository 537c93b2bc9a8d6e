"""A synthetic registry for the benchmarks, bulk-inserted with SQLAlchemy Core into a fresh database.

10,000 organisations (1,500 consignors, the rest vendors) with valid corporate numbers, contacts and
certifications; 30,000 entrustments in chains up to 5 deep with a realistic mix of statuses, terms and a
few unapproved or prohibited subcontracts; one hub vendor (a graduation-album maker) holding data of
exactly 150 distinct original consignors, directly or as a subcontractor. The schema comes from the real
migrations; the admin user and its API token go through the account services.

Run as `python -m bench.seed DATABASE_URL`: seeds and prints a JSON manifest (hub id, token, counts).
"""

from __future__ import annotations

import json
import os
import random
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from bench import WORK_DIR, BenchConfig

N_ORGANISATIONS = 10_000
N_CONSIGNORS = 1_500
N_PUBLIC_BODIES = 250
N_ENTRUSTMENTS = 30_000
MAX_DEPTH = 5
HUB_ID = N_CONSIGNORS + 1
HUB_CONSIGNORS = 150
HUB_HOLDINGS_PER_CONSIGNOR = [1] * 110 + [2] * 30 + [3] * 10
DEPTH_SHARES = (0.42, 0.28, 0.16, 0.09, 0.05)
RESERVE = 400
ADMIN_EMAIL = "bench-admin@oversight.example"
ADMIN_PASSWORD = "bench-admin-password-2026"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
TODAY = date(2026, 4, 1)

STEMS = [("東都", "トウト"), ("さくら", "サクラ"), ("みなと", "ミナト"), ("ひかり", "ヒカリ"), ("北斗", "ホクト"),
         ("大和", "ヤマト"), ("青葉", "アオバ"), ("朝日", "アサヒ"), ("富士", "フジ"), ("瀬戸内", "セトウチ"),
         ("信濃", "シナノ"), ("筑紫", "ツクシ"), ("若葉", "ワカバ"), ("つばさ", "ツバサ"), ("みらい", "ミライ"),
         ("あおい", "アオイ"), ("日本橋", "ニホンバシ"), ("丸の内", "マルノウチ"), ("湘南", "ショウナン"),
         ("浪速", "ナニワ"), ("京橋", "キョウバシ"), ("白鷺", "シラサギ"), ("銀河", "ギンガ"), ("翔和", "ショウワ"),
         ("東海", "トウカイ"), ("北陸", "ホクリク"), ("九州", "キュウシュウ"), ("中央", "チュウオウ"),
         ("双葉", "フタバ"), ("芙蓉", "フヨウ")]
VENDOR_TRADES = [("システムサービス", "システムサービス", "情報処理"),
                 ("データ入力", "データニュウリョク", "データ入力"),
                 ("印刷", "インサツ", "印刷"), ("ロジスティクス", "ロジスティクス", "物流"),
                 ("コールセンター", "コールセンター", "コールセンター運営"),
                 ("情報サービス", "ジョウホウサービス", "情報処理"), ("クラウド", "クラウド", "クラウドサービス"),
                 ("ビジネスサポート", "ビジネスサポート", "業務請負"), ("メーリング", "メーリング", "DM発送"),
                 ("オペレーション", "オペレーション", "業務請負"), ("テクノロジー", "テクノロジー", "ソフトウェア開発"),
                 ("ソリューションズ", "ソリューションズ", "システム開発"), ("BPO", "ビーピーオー", "BPO"),
                 ("デジタル", "デジタル", "Web制作"), ("ネットワーク", "ネットワーク", "通信")]
REGIONS = [("", ""), ("東日本", "ヒガシニホン"), ("西日本", "ニシニホン"), ("関西", "カンサイ"),
           ("九州", "キュウシュウ"),
           ("北海道", "ホッカイドウ"), ("東北", "トウホク"), ("中部", "チュウブ"), ("中国", "チュウゴク"),
           ("四国", "シコク"), ("沖縄", "オキナワ"), ("首都圏", "シュトケン")]
FORMS = ("株式会社{}", "{}株式会社", "有限会社{}", "合同会社{}")
FORM_WEIGHTS = (6, 3, 1, 1)
CONSIGNOR_TRADES = [("商事", "ショウジ", "小売", "ppc"), ("ホールディングス", "ホールディングス", "持株会社", "ppc"),
                    ("銀行", "ギンコウ", "銀行", "fsa"), ("カード", "カード", "クレジットカード", "meti"),
                    ("生命保険", "セイメイホケン", "保険", "fsa"), ("モバイル", "モバイル", "電気通信事業", "mic"),
                    ("電力", "デンリョク", "電気事業", "meti"), ("百貨店", "ヒャッカテン", "小売", "ppc"),
                    ("不動産", "フドウサン", "不動産", "ppc"), ("メディカル", "メディカル", "医療", "mhlw")]
CITIES = [("札幌市", "サッポロシ", "北海道"), ("仙台市", "センダイシ", "宮城県"),
          ("さいたま市", "サイタマシ", "埼玉県"),
          ("千葉市", "チバシ", "千葉県"), ("横浜市", "ヨコハマシ", "神奈川県"), ("川崎市", "カワサキシ", "神奈川県"),
          ("新潟市", "ニイガタシ", "新潟県"), ("静岡市", "シズオカシ", "静岡県"), ("名古屋市", "ナゴヤシ", "愛知県"),
          ("京都市", "キョウトシ", "京都府"), ("大阪市", "オオサカシ", "大阪府"), ("神戸市", "コウベシ", "兵庫県"),
          ("岡山市", "オカヤマシ", "岡山県"), ("広島市", "ヒロシマシ", "広島県"), ("福岡市", "フクオカシ", "福岡県"),
          ("熊本市", "クマモトシ", "熊本県"), ("那覇市", "ナハシ", "沖縄県"), ("金沢市", "カナザワシ", "石川県")]
SCHOOLS = [("小学校", "ショウガッコウ"), ("中学校", "チュウガッコウ"), ("高等学校", "コウトウガッコウ")]
DATA_SETS = [
    ("会員情報", "会員管理システムの運用", ["name", "address", "phone", "email", "date_of_birth", "customer_id"]),
    ("顧客問合せ記録", "問合せ窓口の運営", ["name", "phone", "email", "customer_id"]),
    ("ダイレクトメール発送リスト", "DMの印刷・発送", ["name", "address"]),
    ("従業員の給与・源泉徴収データ", "給与計算・年末調整", ["name", "address", "employee_number", "bank_account",
                                                  "my_number"]),
    ("従業員の定期健康診断結果", "健康診断の実施と結果管理", ["name", "employee_number", "health_check"]),
    ("カード会員の利用明細", "明細照会システムのホスティング", ["name", "customer_id", "card_last4_expiry"]),
    ("通信サービス契約者情報", "契約者サポート", ["name", "address", "phone", "customer_id"]),
    ("採用応募者情報", "採用管理", ["name", "email", "phone", "date_of_birth", "gender"]),
    ("診療予約データ", "予約システムの運用", ["name", "phone", "date_of_birth", "medical_history"]),
    ("キャンペーン応募者データ", "キャンペーン事務局運営", ["name", "email", "address"]),
]
ALBUM_DATA_SET = ("卒業アルバム制作用 児童・生徒情報", "卒業アルバムの撮影・制作", ["name", "photo", "school_class"])
SCHOOL_DATA_SETS = [
    ALBUM_DATA_SET,
    ("児童・生徒の成績・出欠データ", "校務支援システムの運用", ["name", "school_class", "date_of_birth"]),
    ("保護者連絡網", "一斉連絡配信サービス", ["name", "phone", "email"]),
    ("教職員の給与データ", "給与計算", ["name", "address", "employee_number", "bank_account", "my_number"]),
]
TASKS = ["データ入力", "印刷", "発送", "システム保守", "バックアップ保管", "コールセンター", "撮影", "廃棄"]
SENSITIVE = {"medical_history", "health_check", "criminal_record", "disability", "creed"}
DISCOVERED = ("audit", "filing", "declared_late")
LIVE = ("active", "approved")


@dataclass
class Node:
    """One entrustment while the chains are being built."""

    id: int
    parent: Node | None
    consignor: int
    contractor: int
    terms: str
    status: str
    origin: str
    approved: bool
    data_set: tuple
    person_count: int
    start_on: date
    path: tuple = field(default=())

    @property
    def depth(self) -> int:
        return len(self.path) - 2

    @property
    def top(self) -> int:
        return self.path[0]

    def can_hold_children(self) -> bool:
        return self.status in LIVE and self.depth < MAX_DEPTH - 1


@dataclass
class Plan:
    """Everything to insert, as row dicts, plus facts the benchmark needs."""

    organisations: list[dict]
    records: list[dict]  # the registering consignors' own records of the vendors they registered
    contacts: list[dict]
    certifications: list[dict]
    entrustments: list[dict]
    hub_consignors: set[int]
    hub_holdings: int
    max_depth: int


def _at(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randrange(0, 24), rng.randrange(0, 60), tzinfo=UTC)


def _cumulative(n: int, exponent: float = 0.5) -> list[float]:
    return list(accumulate(1 / (rank + 10) ** exponent for rank in range(n)))


def _organisations(rng: random.Random) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    orgs, records, contacts, certs = [], [], [], []
    vendor_names = _vendor_names(rng, N_ORGANISATIONS - HUB_ID)
    consignor_names = rng.sample([(stem + region + trade, kana + region_kana + trade_kana, industry, authority)
                                  for stem, kana in STEMS for region, region_kana in REGIONS
                                  for trade, trade_kana, industry, authority in CONSIGNOR_TRADES],
                                 N_CONSIGNORS - N_PUBLIC_BODIES)
    public_names = [(f"{city}立{stem}{school}", f"{city_kana}リツ{kana}{school_kana}", city, pref)
                    for city, city_kana, pref in CITIES for stem, kana in STEMS for school, school_kana in SCHOOLS]
    rng.shuffle(public_names)
    for org_id in range(1, N_ORGANISATIONS + 1):
        created = TODAY - timedelta(days=rng.randrange(30, 1500))
        city, _, pref = rng.choice(CITIES)
        row = {"id": org_id, "kind": "company", "report_authority": "ppc",
               "registered_by_org_id": None, "address": _address(pref, city, rng),
               "corporate_number": _corporate_number(org_id), "created_at": _at(created, rng)}
        if org_id <= N_PUBLIC_BODIES:
            name, kana, city, pref = public_names[org_id - 1]
            row.update(name=name, name_kana=kana, kind="public_body", industry="学校教育",
                       address=_address(pref, city, rng))
        elif org_id <= N_CONSIGNORS:
            base, kana, industry, authority = consignor_names[org_id - N_PUBLIC_BODIES - 1]
            name = rng.choices(FORMS[:2], FORM_WEIGHTS[:2])[0].format(base)
            row.update(name=name, name_kana=kana, industry=industry, report_authority=authority)
        elif org_id == HUB_ID:
            row.update(name="株式会社全国スクールアルバムセンター", name_kana="ゼンコクスクールアルバムセンター",
                       industry="卒業アルバム制作")
        else:
            name, kana, industry = vendor_names[org_id - HUB_ID - 1]
            status = rng.choices(("active", "candidate", "suspended", "ended"), (85, 7, 3, 5))[0]
            row.update(name=name, name_kana=kana, industry=industry,
                       registered_by_org_id=rng.randrange(N_PUBLIC_BODIES + 1, N_CONSIGNORS + 1)
                       if rng.random() < 0.3 else None)
            if row["registered_by_org_id"] is not None:
                records.append({"tenant_id": row["registered_by_org_id"], "organisation_id": org_id,
                                "status": status, "notes": "", "created_at": row["created_at"],
                                "updated_at": row["created_at"]})
        row["updated_at"] = row["created_at"]
        orgs.append(row)
        contacts.extend(_contacts(org_id, rng))
        certs.extend(_certifications(org_id, rng))
    return orgs, records, contacts, certs


def _address(pref: str, city: str, rng: random.Random) -> str:
    return f"{pref}{city}{rng.randrange(1, 9)}丁目{rng.randrange(1, 30)}番"


def _vendor_names(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    seen: set[str] = set()
    names = []
    while len(names) < count:
        stem, kana = rng.choice(STEMS)
        trade, trade_kana, industry = rng.choice(VENDOR_TRADES)
        region, region_kana = rng.choice(REGIONS)
        name = rng.choices(FORMS, FORM_WEIGHTS)[0].format(stem + trade + region)
        if name not in seen:
            seen.add(name)
            names.append((name, kana + trade_kana + region_kana, industry))
    return names


def _corporate_number(org_id: int) -> str:
    from oversight.corporate_number import with_check_digit

    return with_check_digit(f"{300_100_000_000 + org_id * 7919:012d}")


def _contacts(org_id: int, rng: random.Random) -> list[dict]:
    rows = []
    if rng.random() < 0.6:
        rows.append({"organisation_id": org_id, "role": "incident", "name": "情報セキュリティ窓口",
                     "email": f"csirt@org{org_id}.example", "phone": f"03-{rng.randrange(1000, 9999)}-0101",
                     "available_24_7": True})
    if rng.random() < 0.3:
        rows.append({"organisation_id": org_id, "role": "privacy", "name": "個人情報保護管理者",
                     "email": f"privacy@org{org_id}.example", "phone": f"03-{rng.randrange(1000, 9999)}-0202",
                     "available_24_7": False})
    return rows


def _certifications(org_id: int, rng: random.Random) -> list[dict]:
    chance = 0.2 if org_id <= N_CONSIGNORS else 0.45
    rows = []
    if org_id == HUB_ID or rng.random() < chance:
        count = 2 if rng.random() < 0.3 else 1
        for scheme in rng.sample(("pmark", "iso27001", "soc2", "iso27701", "iso27017"), count):
            expires = TODAY + timedelta(days=rng.randrange(-120, 1000)) if rng.random() < 0.95 else None
            rows.append({"organisation_id": org_id, "scheme": scheme, "number": f"{scheme.upper()}-{org_id:06d}",
                         "scope": "", "expires_on": expires})
    return rows


class ChainBuilder:
    """Builds the chains: roots from consignors, subcontracts below live entrustments, never a loop."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.nodes: list[Node] = []
        self.consignors = list(range(1, N_CONSIGNORS + 1))
        self.vendors = [v for v in range(N_CONSIGNORS + 1, N_ORGANISATIONS + 1) if v != HUB_ID]
        rng.shuffle(self.consignors)
        rng.shuffle(self.vendors)
        self.consignor_weights = _cumulative(len(self.consignors))
        self.vendor_weights = _cumulative(len(self.vendors))

    def vendor(self, exclude: tuple) -> int:
        while True:
            candidate = self.rng.choices(self.vendors, cum_weights=self.vendor_weights)[0]
            if candidate not in exclude:
                return candidate

    def root(self, consignor: int, contractor: int, data_set: tuple | None = None) -> Node:
        rng = self.rng
        node = Node(id=len(self.nodes) + 1, parent=None, consignor=consignor, contractor=contractor,
                    terms=rng.choices(("prior_approval", "notice_after", "prohibited"), (70, 20, 10))[0],
                    status="terminated" if rng.random() < 0.08 else "active", origin="planned", approved=False,
                    data_set=data_set or rng.choice(SCHOOL_DATA_SETS if consignor <= N_PUBLIC_BODIES else DATA_SETS),
                    person_count=int(rng.lognormvariate(9, 1.6)) + 1,
                    start_on=TODAY - timedelta(days=rng.randrange(60, 1800)), path=(consignor, contractor))
        self.nodes.append(node)
        return node

    def subcontract(self, parent: Node, contractor: int) -> Node:
        rng = self.rng
        status, origin, approved = self._decision(parent.terms)
        task = rng.choice(TASKS)
        data_set = (f"{parent.data_set[0].split('（')[0]}（{task}）",
                    f"{parent.data_set[1].split('のうち')[0]}のうち{task}", parent.data_set[2])
        node = Node(id=len(self.nodes) + 1, parent=parent, consignor=parent.contractor, contractor=contractor,
                    terms=rng.choices(("prior_approval", "notice_after", "prohibited"), (70, 20, 10))[0],
                    status=status, origin=origin, approved=approved, data_set=data_set,
                    person_count=max(1, int(parent.person_count * rng.uniform(0.1, 1.0))),
                    start_on=parent.start_on + timedelta(days=rng.randrange(0, 120)),
                    path=parent.path + (contractor,))
        self.nodes.append(node)
        return node

    def _decision(self, parent_terms: str) -> tuple[str, str, bool]:
        """(status, origin, approved) of a new subcontract under a parent with these terms."""
        rng = self.rng
        if parent_terms == "prohibited":
            return "active", rng.choice(DISCOVERED), False
        if parent_terms == "notice_after":
            return ("terminated" if rng.random() < 0.05 else "active"), "planned", False
        r = rng.random()
        if r < 0.70:
            return "active", "planned", True
        if r < 0.78:
            return "approved", "planned", True
        if r < 0.86:
            return "proposed", "planned", False
        if r < 0.89:
            return "rejected", "planned", False
        if r < 0.975:
            return "terminated", "planned", True
        return "active", rng.choice(DISCOVERED), False

    def general(self, count: int) -> None:
        """`count` entrustments spread over the depths; none to the hub."""
        rng = self.rng
        per_depth = [round(count * share) for share in DEPTH_SHARES]
        per_depth[0] += count - sum(per_depth)
        level = []
        for _ in range(per_depth[0]):
            consignor = rng.choices(self.consignors, cum_weights=self.consignor_weights)[0]
            level.append(self.root(consignor, self.vendor((consignor,))))
        for wanted in per_depth[1:]:
            allowed = [n for n in level if n.can_hold_children() and n.terms != "prohibited"]
            prohibited = [n for n in level if n.can_hold_children() and n.terms == "prohibited"]
            level = []
            for _ in range(wanted):
                parent = rng.choice(prohibited if prohibited and rng.random() < 0.01 else allowed)
                level.append(self.subcontract(parent, self.vendor(parent.path)))

    def hub(self) -> set[int]:
        """Hub holdings for exactly HUB_CONSIGNORS original consignors, then a few subcontracts below them."""
        rng = self.rng
        by_top: dict[int, list[Node]] = {}
        for node in self.nodes:
            by_top.setdefault(node.top, []).append(node)
        schools = sorted(t for t in by_top if t <= N_PUBLIC_BODIES)
        companies = sorted(t for t in by_top if t > N_PUBLIC_BODIES)
        chosen = rng.sample(schools, HUB_CONSIGNORS * 2 // 3) + rng.sample(companies, HUB_CONSIGNORS // 3)
        holdings = []
        for consignor, count in zip(chosen, rng.sample(HUB_HOLDINGS_PER_CONSIGNOR, HUB_CONSIGNORS), strict=True):
            for _ in range(count):
                parents = [n for n in by_top[consignor] if n.can_hold_children() and n.terms != "prohibited"
                           and HUB_ID not in n.path]
                if parents and rng.random() > 0.35:
                    node = self.subcontract(rng.choice(parents), HUB_ID)
                else:
                    node = self.root(consignor, HUB_ID, ALBUM_DATA_SET)
                by_top[consignor].append(node)
                holdings.append(node)
        for node in holdings:
            if node.can_hold_children() and node.terms != "prohibited" and rng.random() < 0.3:
                self.subcontract(node, self.vendor(node.path))
        return set(chosen)

    def top_up(self, total: int) -> None:
        """Leaf subcontracts until there are exactly `total` entrustments."""
        parents = [n for n in self.nodes if n.can_hold_children() and n.terms != "prohibited"]
        while len(self.nodes) < total:
            parent = self.rng.choice(parents)
            self.subcontract(parent, self.vendor(parent.path))


def _entrustment_row(node: Node, admin_id: int, rng: random.Random) -> dict:
    data_set, purpose, items = node.data_set
    created = _at(node.start_on, rng)
    subcontract = node.parent is not None
    decided = created + timedelta(days=rng.randrange(1, 20)) if subcontract and (
        node.approved or node.status == "rejected") else None
    return {
        "id": node.id, "consignor_id": node.consignor, "contractor_id": node.contractor,
        "parent_id": node.parent.id if node.parent else None, "data_set": data_set, "purpose": purpose,
        "data_categories": "", "data_items": list(items), "person_count": node.person_count,
        "includes_sensitive": any(i in SENSITIVE for i in items), "includes_my_number": "my_number" in items,
        "storage_country": rng.choices(("JP", "US", "SG", "IE"), (92, 4, 2, 2))[0],
        "start_on": node.start_on,
        "end_on": node.start_on + timedelta(days=365 * rng.randrange(1, 4)) if rng.random() < 0.3 else None,
        "status": node.status, "subcontracting_terms": node.terms, "origin": node.origin,
        "proposed_by_id": admin_id if subcontract else None, "proposed_at": created if subcontract else None,
        "decided_by_id": admin_id if decided else None, "decided_at": decided,
        "approved_at": decided if node.approved else None,
        "approval_conditions": "同等の安全管理措置を再委託先に課すこと" if node.approved else "",
        "approved_scope": "", "rejection_reason": "安全管理措置の説明が不十分" if node.status == "rejected" else "",
        "created_at": created, "updated_at": decided or created,
    }


def generate(rng: random.Random, admin_id: int) -> Plan:
    """The whole synthetic registry as rows (deterministic for a given generator)."""
    organisations, records, contacts, certifications = _organisations(rng)
    builder = ChainBuilder(rng)
    builder.general(N_ENTRUSTMENTS - RESERVE)
    hub_consignors = builder.hub()
    builder.top_up(N_ENTRUSTMENTS)
    nodes = builder.nodes
    return Plan(
        organisations=organisations, records=records, contacts=contacts, certifications=certifications,
        entrustments=[_entrustment_row(n, admin_id, rng) for n in nodes], hub_consignors=hub_consignors,
        hub_holdings=sum(1 for n in nodes if n.contractor == HUB_ID),
        max_depth=max(n.depth for n in nodes) + 1,
    )


# ---------------------------------------------------------------- databases

def server_url() -> str:
    """The PostgreSQL server to create benchmark databases on."""
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_SERVER


def postgres_reachable() -> bool:
    """Whether the PostgreSQL server answers (2 s timeout)."""
    import psycopg

    try:
        with psycopg.connect(server_url(), connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def create_database(backend: str) -> str:
    """A new, empty database for one run; its SQLAlchemy URL."""
    name = f"oversight_bench_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        WORK_DIR.mkdir(exist_ok=True)
        return f"sqlite:///{WORK_DIR / (name + '.db')}"
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(server_url()).set(drivername="postgresql")
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.set(database=name).render_as_string(hide_password=False)


@contextmanager
def throwaway_database(backend: str, *, keep: bool = False):
    """A new database for one run (its URL), dropped afterwards unless `keep` (then its URL is printed)."""
    url = create_database(backend)
    try:
        yield url
    finally:
        if keep:
            print(f"database kept: {url}")
        else:
            drop_database(url)


def drop_database(url: str) -> None:
    """Remove a database made by create_database."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            path = f"{parsed.database}{suffix}"
            if os.path.exists(path):
                os.remove(path)
        return
    import psycopg

    server = make_url(server_url()).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


# ---------------------------------------------------------------- seeding

def _insert(conn, table, rows: list[dict], chunk: int = 5000) -> None:
    for start in range(0, len(rows), chunk):
        conn.execute(table.insert(), rows[start:start + chunk])


def seed(database_url: str, *, random_seed: int = 20260401) -> dict:
    """Migrate a fresh database, fill it, check it, and return the manifest the benchmark reads."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from oversight import create_app
    from oversight.accounts import services as accounts
    from oversight.accounts.models import User
    from oversight.extensions import db
    from oversight.registry import services as registry
    from oversight.registry.models import Certification, Contact, Entrustment, Organisation, OrganisationRecord

    app = create_app(BenchConfig, {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        admin = accounts.create_user(None, {"email": ADMIN_EMAIL, "name": "ベンチマーク管理者", "role": "admin",
                                            "password": ADMIN_PASSWORD})
        admin_id = admin.id
        db.session.close()  # on SQLite the session's open transaction would lock out the bulk insert
        plan = generate(random.Random(random_seed), admin_id)
        with db.engine.begin() as conn:
            _insert(conn, Organisation.__table__, plan.organisations)
            _insert(conn, OrganisationRecord.__table__, plan.records)
            _insert(conn, Contact.__table__, plan.contacts)
            _insert(conn, Certification.__table__, plan.certifications)
            _insert(conn, Entrustment.__table__, plan.entrustments)
            if conn.dialect.name == "postgresql":
                for table, count in (("organisation", len(plan.organisations)),
                                     ("entrustment", len(plan.entrustments))):
                    conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n)"),
                                 {"t": table, "n": count})
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        admin = db.session.get(User, admin_id)
        _, token = accounts.issue_token(admin, "benchmark")
        view = registry.chain_up(admin, HUB_ID)
        seen_consignors = {path[0].link.consignor_id for path in view.paths}
        counts = {
            "organisations": db.session.scalar(select(func.count()).select_from(Organisation)),
            "entrustments": db.session.scalar(select(func.count()).select_from(Entrustment)),
            "contacts": len(plan.contacts), "certifications": len(plan.certifications),
        }
        assert counts["organisations"] == N_ORGANISATIONS, counts
        assert counts["entrustments"] == N_ENTRUSTMENTS, counts
        assert seen_consignors == plan.hub_consignors and len(seen_consignors) == HUB_CONSIGNORS
        assert plan.max_depth <= MAX_DEPTH
        db.session.remove()
        db.engine.dispose()
    return {
        "database_url": database_url, "hub_id": HUB_ID, "hub_consignors": len(seen_consignors),
        "hub_holdings": plan.hub_holdings, "hub_chain_rows": sum(1 for _ in _ids(view)),
        "max_depth": plan.max_depth, "admin_email": ADMIN_EMAIL, "admin_password": ADMIN_PASSWORD,
        "token": token, **counts,
        "statuses": _tally(e["status"] for e in plan.entrustments),
        "origins": _tally(e["origin"] for e in plan.entrustments),
        "terms": _tally(e["subcontracting_terms"] for e in plan.entrustments),
    }


def _ids(view):
    stack = list(view.roots)
    while stack:
        node = stack.pop()
        yield node.link.id
        stack.extend(node.children)


def _tally(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


def main(argv: list[str]) -> None:
    """`python -m bench.seed DATABASE_URL`: seed, then print the manifest as one JSON line."""
    if len(argv) != 1:
        sys.exit("usage: python -m bench.seed DATABASE_URL")
    print(json.dumps(seed(argv[0]), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
