"""A realistic (fictional) Japanese demo registry, loaded through the services so it is validated and trailed.

A consignor group, a dozen vendors, a 4-tier chain whose last tier is an unapproved subcontractor (the
shape of the 2025 case in reference 000), and a graduation-album vendor serving many schools (reference
001's 146-school case). Dates are relative to today so that expiring certifications stay expiring.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from contracts import demo as contract_demo
from oversight.accounts import services as accounts
from oversight.accounts.system import SystemActor
from oversight.corporate_number import with_check_digit
from oversight.extensions import db
from oversight.incidents import services as incidents
from oversight.registry import services as registry
from oversight.registry.models import Entrustment
from oversight.timeutil import JST, today_jst

DEMO_PASSWORD = "oversight-demo-2026"  # noqa: S105 - printed on screen for the demo logins

DEMO_USERS = [
    ("admin@oversight.example", "運営 管理者", "admin", None),
    ("privacy@sakura-hd.example", "佐藤 花子", "privacy_office", "sakura"),
    ("procurement@sakura-hd.example", "鈴木 一郎", "procurement", "sakura"),
    ("legal@sakura-hd.example", "高橋 誠", "legal", "sakura"),
    ("audit@sakura-hd.example", "田中 美咲", "auditor", "sakura"),
    ("csirt@sakura-hd.example", "伊藤 健", "incident_team", "sakura"),
    ("staff@toto-system.example", "渡辺 翔太", "contractor_user", "toto"),
    ("staff@uf-support.example", "山本 直樹", "contractor_user", "ufs"),
    ("staff@photo-album.example", "中村 由美", "contractor_user", "album"),
    ("privacy@kyoto-city.example", "木村 京子", "privacy_office", "school0"),
    ("privacy@otsu-city.example", "西田 悠", "privacy_office", "school1"),
    ("viewer@sakura-hd.example", "小林 愛", "viewer", "sakura"),
    ("privacy@kyoto-edu.example", "木村 学", "privacy_office", "school0"),
    ("privacy@otsu-edu.example", "森 友子", "privacy_office", "school1"),
]


def _org(key, name, kana, base12, *, kind="company", industry="", address="", authority="ppc", contacts=(),
         certs=()):
    """An organisation as the operator registers it: its identity and its own profile (contacts, certifications)."""
    return key, {
        "name": name, "name_kana": kana, "corporate_number": with_check_digit(base12) if base12 else "",
        "kind": kind, "industry": industry, "address": address, "report_authority": authority,
        "profile": {"contacts": list(contacts), "certifications": list(certs)},
    }


def _incident(name, email, phone):
    return {"role": "incident", "name": name, "email": email, "phone": phone, "available_24_7": True}


def _cert(scheme, number, days):
    return {"scheme": scheme, "number": number, "expires_on": (today_jst() + timedelta(days=days)).isoformat()}


def _organisations():
    yield _org("sakura", "さくら商事ホールディングス株式会社", "サクラショウジホールディングス", "010401123456",
               industry="小売・通信", address="東京都千代田区丸の内一丁目1番1号",
               contacts=[_incident("情報セキュリティ室", "csirt@sakura-hd.example", "03-1234-5678"),
                         {"role": "privacy", "name": "佐藤 花子", "email": "privacy@sakura-hd.example",
                          "phone": "03-1234-5600"}])
    yield _org("sakura_mobile", "さくらモバイル株式会社", "サクラモバイル", "010401123457", industry="電気通信事業",
               address="東京都港区芝浦三丁目4番1号", authority="mic",
               contacts=[_incident("さくらモバイルCSIRT", "csirt@sakura-mobile.example", "03-2345-6789")])
    yield _org("sakura_card", "さくらカード株式会社", "サクラカード", "010401123458", industry="クレジットカード",
               address="東京都中央区日本橋二丁目7番1号", authority="meti",
               contacts=[_incident("カードセキュリティ室", "security@sakura-card.example", "03-3456-7890")])
    yield _org("toto", "株式会社東都システムサービス", "トウトシステムサービス", "011001234567",
               industry="情報処理・コールセンター", address="東京都江東区豊洲五丁目6番15号",
               contacts=[_incident("東都SOC", "soc@toto-system.example", "03-5555-0101")],
               certs=[_cert("iso27001", "IS 123456", 400), _cert("pmark", "第10823456(07)号", 300)])
    yield _org("ufs", "株式会社ユーエフ・サポート", "ユーエフサポート", "011101234568", industry="コールセンター運営",
               address="大阪府大阪市北区梅田三丁目1番3号",
               contacts=[_incident("運用管理部", "ops@uf-support.example", "06-6666-0202")],
               certs=[_cert("pmark", "第21004567(05)号", 45)])
    yield _org("minato", "株式会社みなとデータ入力", "ミナトデータニュウリョク", "012001234569",
               industry="データ入力", address="神奈川県横浜市中区本町一丁目3番",
               contacts=[_incident("品質管理課", "qa@minato-data.example", "045-777-0303")],
               certs=[_cert("iso27001", "IS 654321", -20)])
    yield _org("hokuto", "有限会社北斗オペレーション", "ホクトオペレーション", "013001234560",
               industry="業務請負", address="北海道札幌市中央区北一条西二丁目")
    yield _org("album", "株式会社フォトアルバム工房", "フォトアルバムコウボウ", "014001234561",
               industry="卒業アルバム制作", address="京都府京都市下京区烏丸通四条下ル",
               contacts=[_incident("情報管理室", "security@photo-album.example", "075-888-0404")],
               certs=[_cert("pmark", "第17005678(06)号", 500)])
    yield _org("hikari", "株式会社ひかり印刷", "ヒカリインサツ", "015001234562", industry="印刷",
               address="埼玉県さいたま市大宮区桜木町一丁目", certs=[_cert("pmark", "第17009999(04)号", 60)])
    yield _org("cloud", "株式会社クラウドストレージ・ジャパン", "クラウドストレージジャパン", "016001234563",
               industry="クラウドサービス", address="東京都渋谷区道玄坂一丁目",
               contacts=[_incident("Security Operations", "soc@cloudstorage.example", "03-6666-0505")],
               certs=[_cert("iso27001", "IS 777777", 700), _cert("iso27017", "CLD 7777", 700),
                      _cert("soc2", "SOC2 Type II 2026", 200)])
    yield _org("hayabusa", "株式会社はやぶさ物流", "ハヤブサブツリュウ", "017001234564", industry="物流・DM発送",
               address="千葉県千葉市美浜区中瀬二丁目", certs=[_cert("pmark", "第11110000(03)号", 120)])
    yield _org("kotobuki", "株式会社ことぶき給与計算センター", "コトブキキュウヨケイサンセンター",
               "018001234565", industry="給与計算代行", address="愛知県名古屋市中区栄三丁目",
               contacts=[_incident("情報管理責任者", "security@kotobuki-payroll.example", "052-999-0606")],
               certs=[_cert("pmark", "第22220000(08)号", 250), _cert("iso27001", "IS 888888", 250)])
    yield _org("medical", "株式会社メディカルチェック東京", "メディカルチェックトウキョウ", "019001234566",
               industry="健康診断", address="東京都新宿区西新宿二丁目", authority="ppc",
               certs=[_cert("pmark", "第33330000(02)号", 30)])
    yield _org("nextmkt", "株式会社ネクストマーケティング", "ネクストマーケティング", "020001234567",
               industry="広告・ダイレクトマーケティング", address="東京都品川区大崎一丁目",
               certs=[_cert("pmark", "第44440000(01)号", -90)])
    yield _org("shred", "株式会社セキュアシュレッド", "セキュアシュレッド", "021001234568",
               industry="機密文書廃棄", address="東京都足立区千住一丁目", certs=[_cert("iso27001", "IS 999000", 75)])
    yield _org("asteria", "Asteria Cloud Inc.", "アステリアクラウド", "", industry="SaaS (CRM)",
               address="San Francisco, CA, USA", certs=[_cert("soc2", "SOC 2 Type II", 150)])
    for i, (city, kana) in enumerate([
        ("京都市", "キョウトシ"), ("大津市", "オオツシ"), ("奈良市", "ナラシ"), ("宇治市", "ウジシ"),
        ("亀岡市", "カメオカシ"), ("長岡京市", "ナガオカキョウシ"), ("向日市", "ムコウシ"), ("城陽市", "ジョウヨウシ"),
        ("草津市", "クサツシ"), ("守山市", "モリヤマシ"),
    ]):
        yield _org(f"school{i}", f"{city}教育委員会", f"{kana}キョウイクイインカイ", f"0{300000000 + i * 1111:011d}",
                   kind="public_body", industry="教育（公立学校）", address=f"{city}")
    yield _org("private_school", "学校法人さくら学園", "サクラガクエン", "060001234567", industry="教育（私立学校）",
               address="京都府京都市左京区")


def load(actor) -> dict:
    """Create the demo organisations, chains and users; return the organisations by key."""
    today = today_jst()
    orgs = {key: registry.create_organisation(actor, data) for key, data in _organisations()}

    def entrust(consignor, contractor, data_set, **fields):
        fields.setdefault("start_on", (today - timedelta(days=400)).isoformat())
        return registry.create_entrustment(actor, {"consignor_id": orgs[consignor].id,
                                                   "contractor_id": orgs[contractor].id,
                                                   "data_set": data_set, **fields})

    def sub(parent, contractor, data_set, origin="planned", approve=True, **fields):
        e = registry.propose_subcontract(actor, parent.id, {"contractor_id": orgs[contractor].id,
                                                             "data_set": data_set, **fields}, origin=origin)
        if approve and origin == "planned" and e.status == "proposed":
            registry.decide_subcontract(actor, e.id, approve=True, conditions="同等の安全管理措置を再委託先に課すこと",
                                        scope="氏名・住所・電話番号のみ")
            registry.transition_entrustment(actor, e.id, "activate")
        return e

    members = entrust("sakura", "toto", "さくらポイント会員の問合せ対応データ",
                      purpose="会員からの問合せ対応（コールセンター）", data_categories="会員情報",
                      data_items=["name", "address", "phone", "email", "date_of_birth", "customer_id"],
                      person_count=1_380_000, storage_country="JP")
    tier2 = sub(members, "ufs", "さくらポイント会員の問合せ対応データ（大阪センター）",
                data_items=["name", "address", "phone", "customer_id"], person_count=1_200_000)
    tier3 = sub(tier2, "minato", "問合せ記録の入力業務", data_items=["name", "phone", "customer_id"],
                person_count=400_000)
    sub(tier3, "hokuto", "問合せ記録の入力業務（再々委託）", origin="audit", approve=False,
        data_items=["name", "phone", "customer_id"], person_count=250_000,
        purpose="2026年度定期監査で発見。委託元の承認なく入力作業を再委託していた。")
    sub(members, "cloud", "問合せ録音データのバックアップ", approve=False,
        data_items=["name", "phone"], person_count=1_380_000, storage_country="JP")

    entrust("sakura", "kotobuki", "グループ従業員の給与・源泉徴収データ", purpose="給与計算・年末調整",
            data_categories="従業員情報", data_items=["name", "address", "employee_number", "bank_account", "my_number"],
            person_count=8_400, includes_my_number=True, subcontracting_terms="prohibited")
    entrust("sakura", "medical", "従業員の定期健康診断結果", purpose="定期健康診断の実施と結果管理",
            data_items=["name", "employee_number", "date_of_birth", "health_check"], person_count=8_400,
            includes_sensitive=True, subcontracting_terms="prohibited")
    dm = entrust("sakura", "hayabusa", "会員向けダイレクトメール発送リスト", purpose="DM発送",
                 data_items=["name", "address"], person_count=520_000, subcontracting_terms="notice_after")
    sub(dm, "hikari", "DM宛名印刷", data_items=["name", "address"], person_count=520_000)
    entrust("sakura", "shred", "紙の申込書の廃棄", purpose="機密文書の溶解処理", data_items=["name", "address", "phone"],
            person_count=30_000)
    entrust("sakura", "nextmkt", "キャンペーン応募者データ", purpose="キャンペーン事務局運営",
            data_items=["name", "email", "sns_account"], person_count=45_000)
    entrust("sakura", "asteria", "法人顧客の商談管理データ", purpose="CRM（SaaS）での商談管理",
            data_items=["name", "email", "phone"], person_count=3_200, storage_country="US")
    entrust("sakura_mobile", "toto", "携帯電話契約者の問合せ対応データ", purpose="契約者サポート窓口",
            data_items=["name", "address", "phone", "date_of_birth"], person_count=2_100_000)
    entrust("sakura_card", "cloud", "カード会員の利用明細データ", purpose="明細照会システムのホスティング",
            data_items=["name", "address", "card_last4_expiry", "customer_id"], person_count=900_000)

    school_keys = [k for k in orgs if k.startswith("school")] + ["private_school"]
    for key in school_keys:
        album = entrust(key, "album", f"{today.year}年度 卒業アルバム制作用 児童・生徒情報",
                        purpose="卒業アルバムの制作", data_items=["name", "photo", "school_class"], person_count=420,
                        start_on=(today - timedelta(days=200)).isoformat())
        sub(album, "hikari", f"{today.year}年度 卒業アルバム印刷", data_items=["name", "photo", "school_class"],
            person_count=420)

    contract_demo.load(actor)
    _incidents(actor, orgs, today)
    _notifications(orgs, today)

    users = {email: accounts.create_user(None, {
        "email": email, "name": name, "role": role, "password": DEMO_PASSWORD,
        "organisation_id": orgs[org_key].id if org_key else None}) for email, name, role, org_key in DEMO_USERS}
    _records(users, orgs, today)
    from audits import demo as selection_demo

    selection_demo.load(users, orgs)
    from audits import campaign_demo

    campaign_demo.load(users, orgs)
    return orgs


def _records(users: dict, orgs: dict, today) -> None:
    """What each tenant keeps privately beside a company's shared identity and own profile: さくら's trading
    status and notes on two vendors, and two schools' own notes on the album vendor — each sees only its own."""
    def keep(email, org_key, record):
        registry.update_organisation(users[email], orgs[org_key].id, {"record": record})

    keep("privacy@sakura-hd.example", "nextmkt", {
        "status": "suspended", "notes": "キャンペーン事務局でのメール誤送信（2026年）を受けて取引停止。再開には改善報告書の確認が条件。"})
    keep("privacy@sakura-hd.example", "toto", {
        "notes": "年1回の実地監査（次回は秋）。コールセンターの再委託先は事前承認が必要。",
        "contacts": [{"role": "contract", "name": "東都 営業部 山口", "email": "sales@toto-system.example",
                      "phone": "03-5555-0100"}],
        "certifications": [{"scheme": "pmark", "number": "第10823456(07)号",
                            "expires_on": (today + timedelta(days=300)).isoformat(),
                            "verified_on": (today - timedelta(days=30)).isoformat()}]})
    keep("privacy@kyoto-edu.example", "album", {
        "notes": "2025年度の点検で、撮影データを私物PCに保存していた事例を指摘。是正報告は受領済み。",
        "contacts": [{"role": "contract", "name": "アルバム工房 京都営業所 西田", "email": "kyoto@photo-album.example",
                      "phone": "075-888-0410"}],
        "certifications": [{"scheme": "pmark", "number": "第17005678(06)号",
                            "expires_on": (today + timedelta(days=500)).isoformat(),
                            "verified_on": (today - timedelta(days=60)).isoformat()}]})
    keep("privacy@otsu-edu.example", "album", {
        "notes": "次年度の更新前に、盗難事案の再発防止策の説明を求める。"})


def _incidents(actor, orgs: dict, today) -> None:
    """Two incidents: the album vendor's stolen laptop (every school it works for is a party, each with its own
    deadlines; it has notified them), and a card-data leak at the support vendor it has not notified yet."""
    def moment(days_ago: int, hour: int) -> str:
        return datetime.combine(today - timedelta(days=days_ago), time(hour), JST).isoformat()

    incidents.open_incident(actor, {
        "organisation_id": orgs["album"].id, "title": "制作担当者のノートPCの盗難", "scope": "engagements",
        "notified_consignor_at": moment(2, 17),
        "facts": {"cause": "theft", "data_items": ["name", "photo", "school_class"], "max_persons": 4_620,
                  "occurred_on": (today - timedelta(days=3)).isoformat(), "known_at": moment(2, 9),
                  "report_items": {"overview": "制作担当者が電車内でノートPCを盗まれた。ディスクは暗号化されていない。"}}})
    # Known three days ago: its quick-report window closes in two days, so the clock's first sweep after
    # `make run` queues a reminder (the demo's first mail to read on the outbox page).
    incidents.open_incident(actor, {
        "organisation_id": orgs["toto"].id, "title": "問合せ管理システムへの不正アクセス", "scope": "engagements",
        "facts": {"cause": "unauthorised_access", "data_items": ["name", "phone", "credit_card_number"],
                  "max_persons": 12_000, "occurred_on": (today - timedelta(days=3)).isoformat(),
                  "known_at": moment(3, 11)}})


def _notifications(orgs: dict, today) -> None:
    """The DM vendor reports a misdelivery to さくら four days after it knew: later than the 72 hours its
    memorandum allows, so the privacy office sees it unacknowledged and in the contract-breach list."""
    from oversight.notifications import filing

    vendor = SystemActor(name="はやぶさ物流 品質管理部", role="contractor_user", organisation_id=orgs["hayabusa"].id)
    dm = db.session.scalar(select(Entrustment).where(Entrustment.data_set == "会員向けダイレクトメール発送リスト"))
    known = datetime.combine(today - timedelta(days=4), time(10), JST).isoformat()
    filing.file_new(vendor, {
        "entrustment_id": dm.id, "title": "DMの誤封入（他の会員宛ての宛名台紙を同封）",
        "facts": {"cause": "misdelivery", "data_items": ["name", "address"], "max_persons": 37,
                  "occurred_on": (today - timedelta(days=5)).isoformat(), "known_at": known,
                  "report_items": {"overview": "封入機の設定誤りにより、37通に他の会員の宛名台紙が同封された。"}},
        "message": "回収を依頼する文書を該当会員に発送済み。"})


def login_help(base_url: str = "http://127.0.0.1:5000") -> str:
    """What the README's first command prints: where to go and how to log in."""
    base_url = base_url.rstrip("/")
    lines = ["", f"  oversight demo — log in at {base_url}/", f"  password for every demo user: {DEMO_PASSWORD}"]
    lines += [f"    {email:<34} {role}" for email, _name, role, _org in DEMO_USERS]
    operator = next(email for email, _name, role, org in DEMO_USERS if role == "admin" and org is None)
    lines += ["", f"  mail (no MAIL_SERVER: nothing is sent): log in as {operator} and open 送信メール "
                  f"(Outbox) {base_url}/outbox — the clock queues the first deadline reminder as it starts"]
    return "\n".join(lines) + "\n"
