"""Demo contracts for `flask load-demo`: two that meet the policy, two weak ones the gap analysis lists, and a
subcontract whose notice term the contractor portal applies.

Call `load(actor)` after oversight.demo.load(actor) (it finds the demo entrustments by their data set).
"""

from __future__ import annotations

from sqlalchemy import select

from contracts import services
from oversight.extensions import db
from oversight.registry.models import Entrustment

# data set → (template, language, parameter changes, clauses left out, variants, generate a version)
DEMO_CONTRACTS = [
    ("さくらポイント会員の問合せ対応データ", "full", "bilingual",
     {"contract_date": "2025-10-01", "notice_hours": 24, "penalty_yen": 5_000_000}, [], {}, True),
    ("グループ従業員の給与・源泉徴収データ", "full", "ja", {"contract_date": "2019-05-01", "notice_hours": 12}, [],
     {"subcontracting": "prohibited"}, True),
    # An old memorandum: 72 hours to notify, no forensic cooperation, no monthly reports, documents-only audits.
    ("会員向けダイレクトメール発送リスト", "memorandum", "ja",
     {"base_agreement": "平成31年4月1日付ダイレクトメール発送業務委託契約書", "notice_hours": 72},
     ["forensic_cooperation", "monthly_report"], {"audit": "documentary_only"}, False),
    # A campaign contract signed in a hurry: 48 hours, audits every two years, no penalty.
    ("キャンペーン応募者データ", "full", "ja", {"notice_hours": 48, "audit_interval_months": 24}, ["penalty"], {},
     False),
    # 東都's subcontract with UFサポート: 12 hours to notify 東都 (the portal shows whether a notice came in time).
    ("さくらポイント会員の問合せ対応データ（大阪センター）", "subcontract", "ja",
     {"contract_date": "2025-10-15", "notice_hours": 12}, [], {}, False),
]


def load(actor) -> list:
    """Record the demo contracts (and generate versions of the good ones); return the contracts."""
    recorded = []
    for data_set, template, language, params, omit, variants, generate in DEMO_CONTRACTS:
        e = db.session.scalar(select(Entrustment).where(Entrustment.data_set == data_set)
                              .order_by(Entrustment.id).limit(1))
        if e is None:
            continue
        request = services.default_request(e)
        request.update(template=template, language=language, omit=omit,
                       variants={**request["variants"], **variants})
        request["params"].update(params)
        contract = services.save_contract(actor, e.id, request)
        if generate:
            services.generate(actor, e.id)
        recorded.append(contract)
    return recorded
