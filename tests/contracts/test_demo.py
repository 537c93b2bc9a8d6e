"""The demo: weak contracts stand out in the portfolio gap analysis, good ones have generated versions."""

from sqlalchemy import select

from contracts.models import Contract
from oversight import demo as oversight_demo
from oversight.accounts.system import SystemActor
from oversight.extensions import db


def test_the_gap_analysis_lists_the_demo_weak_contracts(client):
    actor = SystemActor(name="demo")
    oversight_demo.load(actor)  # records the demo contracts too
    contracts = db.session.scalars(select(Contract)).all()
    assert len(contracts) == 5 and sum(1 for c in contracts if c.status == "generated") == 2
    client.login("legal@sakura-hd.example", oversight_demo.DEMO_PASSWORD)
    page = client.get("/contracts").get_data(as_text=True)
    assert "事故の報告期限が72時間で" in page and "事故の報告期限が48時間で" in page
    assert "「事故調査への協力」の条項がありません。" in page
    assert "契約が登録されていません" in page  # e.g. the health-check data has no contract yet
    hokuto = page[page.index("有限会社北斗オペレーション</a></h2>"):]
    hokuto = hokuto[:hokuto.index("</table>")]  # the unapproved fourth tier: no contract, and flagged
    assert "gap-row worst-high violation" in hokuto and "無承認再委託" in hokuto and ">なし<" in hokuto
