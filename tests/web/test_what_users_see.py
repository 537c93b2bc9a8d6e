"""What a person reads, not what the code stores (the what-users-see issue): pages without internals."""

import re

from oversight.registry import services
from tests.factories import PASSWORD, SYSTEM, gen_entrustment, gen_organisation, gen_subcontract, gen_user


def test_the_browser_finds_its_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert response.get_data()[:4] == b"\x00\x00\x01\x00"  # an icon file
    response.close()
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)


def test_an_approved_subcontract_says_approved_once(make_client):
    shop, vendor = gen_organisation("さくら商事株式会社"), gen_organisation("株式会社東都システム")
    printer = gen_organisation("ひかり印刷株式会社")
    parent = gen_entrustment(shop, vendor)
    sub = gen_subcontract(parent, printer, approve=False)
    services.decide_subcontract(SYSTEM, sub.id, approve=True)
    client = make_client()
    client.login(gen_user(shop).email, PASSWORD)
    page = client.get(f"/entrustments/{sub.id}").get_data(as_text=True)
    status = re.search(r"<dt>状態</dt><dd>(.*?)</dd>", page, re.S).group(1)
    assert status.count("承認済み") == 1
