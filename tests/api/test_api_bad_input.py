"""Bad requests get a JSON refusal that says what is wrong, and change nothing; none of them is a 500."""

import io

import pytest

from tests.factories import gen_entrustment, gen_organisation, gen_user

ORGS = "/api/v1/organisations"


@pytest.fixture
def admin_api(api_as):
    return api_as(gen_user(role="admin"))


def assert_nothing_registered(client):
    assert client.get(ORGS).get_json()["total"] == 0


@pytest.mark.parametrize("body", [b"{name: 'not json'}", b'{"name": "\xff\xfe"}', b'{"person_count": NaN}',
                                  b'{"name": "\\ud800"}', b"[" * 100_000 + b"]" * 100_000])
def test_a_body_that_is_not_json_is_a_400(admin_api, body):
    refused = admin_api.post(ORGS, data=body, content_type="application/json")

    assert refused.status_code == 400
    assert refused.get_json()["code"] == "bad_request" and refused.get_json()["message"]
    assert_nothing_registered(admin_api)


@pytest.mark.parametrize("body", ['[{"name": "配列株式会社"}]', '"文字列株式会社"', "42", "null"])
def test_json_that_is_not_an_object_is_a_400(admin_api, body):
    refused = admin_api.post(ORGS, data=body.encode(), content_type="application/json")

    assert refused.status_code == 400 and refused.get_json()["code"] == "bad_request"
    assert_nothing_registered(admin_api)


def test_a_create_without_a_body_is_a_400(admin_api):
    assert admin_api.post(ORGS).status_code == 400


def test_a_body_over_the_limit_is_a_413_by_its_content_length(app, admin_api):
    limit = app.config["API_MAX_JSON_BYTES"]
    body = b'{"name": "' + b"x" * limit + b'"}'

    refused = admin_api.post(ORGS, data=body, content_type="application/json")

    assert refused.status_code == 413 and refused.get_json()["code"] == "too_large"
    assert_nothing_registered(admin_api)


def test_a_chunked_body_over_the_limit_is_a_413_by_its_actual_length(app, admin_api):
    body = b'{"name": "' + b"x" * app.config["API_MAX_JSON_BYTES"] + b'"}'

    refused = admin_api.post(ORGS, input_stream=io.BytesIO(body), content_type="application/json",
                             headers={"Transfer-Encoding": "chunked"},
                             environ_overrides={"wsgi.input_terminated": True})

    assert refused.status_code == 413
    accepted = admin_api.post(ORGS, input_stream=io.BytesIO(b'{"name": "chunked"}'), content_type="application/json",
                              headers={"Transfer-Encoding": "chunked"},
                              environ_overrides={"wsgi.input_terminated": True})
    assert accepted.status_code == 201


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", "application/xml"])
def test_a_body_that_is_not_sent_as_json_is_a_415(admin_api, content_type):
    refused = admin_api.post(ORGS, data='{"name": "型違い株式会社"}', content_type=content_type)

    assert refused.status_code == 415 and refused.get_json()["code"] == "unsupported_media_type"
    assert_nothing_registered(admin_api)


def test_a_bad_body_on_a_change_leaves_the_object_as_it_was(admin_api):
    org = gen_organisation("変更前株式会社")
    url = f"{ORGS}/{org.id}"

    assert admin_api.patch(url, data="name=変更後", content_type="application/x-www-form-urlencoded").status_code == 415
    assert admin_api.patch(url, json=["name"]).status_code == 400
    refused = admin_api.patch(url, json={"name": "", "kind": "unknown", "contacts": "山田"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"].keys() == {"name", "kind", "contacts"}
    assert admin_api.get(url).get_json()["name"] == "変更前株式会社"


def test_keys_the_api_does_not_know_are_ignored(admin_api):
    created = admin_api.post(ORGS, json={"name": "余分キー株式会社", "id": 999, "favourite_colour": "blue"})

    assert created.status_code == 201 and created.get_json()["id"] != 999


@pytest.mark.parametrize(("url", "parameter"), [
    (f"{ORGS}?page=abc", "page"), (f"{ORGS}?page=0", "page"), (f"{ORGS}?per_page=201", "per_page"),
    (f"{ORGS}?page=99999999999999999999", "page"), (f"{ORGS}?kind=vendor", "kind"),
    (f"{ORGS}?certification=iso9001", "certification"), (f"{ORGS}?q=%00", "q"),
    ("/api/v1/entrustments?flagged=maybe", "flagged"), ("/api/v1/entrustments?organisation_id=x", "organisation_id"),
    ("/api/v1/entrustments?status=paused", "status"),
])
def test_a_query_value_that_cannot_be_used_is_a_422_naming_the_parameter(admin_api, url, parameter):
    refused = admin_api.get(url)

    assert refused.status_code == 422
    assert refused.get_json()["code"] == "validation_failed"
    assert list(refused.get_json()["errors"]) == [parameter]
    assert all(isinstance(m, str) and len(m) > 1 for m in refused.get_json()["errors"][parameter])


@pytest.mark.parametrize("path", ["0", "-1", "abc", "99999999999"])
def test_an_id_that_cannot_exist_is_a_json_404(admin_api, path):
    missing = admin_api.get(f"{ORGS}/{path}")

    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"


def test_a_domain_refusal_is_a_422_with_the_fields_and_nothing_is_recorded(admin_api):
    consignor, contractor = gen_organisation(), gen_organisation()
    gen_entrustment(consignor, contractor)

    refused = admin_api.post("/api/v1/entrustments", json={
        "consignor_id": consignor.id, "contractor_id": consignor.id, "data_set": "自分宛て",
        "person_count": -5, "start_on": "2026-04-01", "end_on": "2026-03-01"})

    assert refused.status_code == 422
    assert refused.get_json()["errors"].keys() == {"person_count", "end_on"}
    assert admin_api.get("/api/v1/entrustments").get_json()["total"] == 1


def test_an_unknown_subcontract_origin_is_refused_not_stored(admin_api):
    top = gen_entrustment(gen_organisation(), gen_organisation())

    refused = admin_api.post(f"/api/v1/entrustments/{top.id}/subcontracts", json={
        "contractor_id": gen_organisation().id, "data_set": "不明", "origin": "rumour"})

    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["origin"]


def test_a_method_the_resource_lacks_is_a_405_naming_those_it_has(admin_api):
    refused = admin_api.open("PUT", f"{ORGS}/1", json={"name": "置換"})

    assert refused.status_code == 405 and refused.get_json()["code"] == "method_not_allowed"
    assert {"GET", "PATCH", "DELETE"} <= {m.strip() for m in refused.headers.get("Allow", "").split(",")}
