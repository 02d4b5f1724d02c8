"""Open311 GeoReport v2: every endpoint in XML and JSON, with the spec's field names."""

import json
import re
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from civic import services
from civic.models import Category, IssueReport, Source, Status

from .conftest import DINAN, png

SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$")
BASE = "/open311/v2"


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314  (our own response, in a test)


def js(response):
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def xml_items(root, item):
    return [{child.tag: child for child in node} for node in root.findall(item)]


@pytest.fixture
def report(resident, pothole):
    report = services.issue_report_create(
        reporter=resident,
        category=pothole,
        title="Hole",
        description="Deep hole by the church",
        latitude=DINAN[0],
        longitude=DINAN[1],
        address="Place Saint-Sauveur",
        answers={"depth": 8},
        photos=[png()],
    )
    return report


@pytest.fixture
def api_key(council_admin):
    _key, raw = services.api_key_create(name="City app", created_by=council_admin)
    return raw


def test_discovery_in_both_formats(client_dinan, in_dinan):
    root = xml(client_dinan.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://dinan.localhost/open311/v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    assert W3C.match(root.findtext("changeset"))
    data = js(client_dinan.get(f"{BASE}/discovery.json"))
    assert data["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert data["endpoints"][0]["type"] == "production"


def test_services_in_both_formats(client_dinan, pothole, streetlight):
    Category.objects.create(code="old", name_fr="Ancien", is_active=False)
    root = xml(client_dinan.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    services_ = xml_items(root, "service")
    assert [list(s) for s in services_] == [SERVICE_FIELDS, SERVICE_FIELDS]
    by_code = {s["service_code"].text: s for s in services_}
    assert set(by_code) == {"pothole", "streetlight"}
    assert by_code["pothole"]["service_name"].text == "Pothole"
    assert by_code["pothole"]["metadata"].text == "true"
    assert by_code["streetlight"]["metadata"].text == "false"
    assert by_code["pothole"]["type"].text == "realtime"
    data = js(client_dinan.get(f"{BASE}/services.json"))
    assert [list(s) for s in data] == [SERVICE_FIELDS, SERVICE_FIELDS]
    assert {s["service_code"]: s["metadata"] for s in data} == {
        "pothole": True,
        "streetlight": False,
    }


def test_service_definition_in_both_formats(client_dinan, pothole):
    root = xml(client_dinan.get(f"{BASE}/services/pothole.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "pothole"
    attributes = root.findall("attributes/attribute")
    assert [[c.tag for c in a if c.tag != "values"] for a in attributes] == [ATTRIBUTE_FIELDS] * 2
    depth, lane = attributes
    assert depth.findtext("datatype") == "number" and depth.findtext("required") == "true"
    assert depth.findtext("variable") == "true" and depth.findtext("description") == "Depth (cm)"
    assert lane.findtext("datatype") == "singlevaluelist"
    assert [(v.findtext("key"), v.findtext("name")) for v in lane.findall("values/value")] == [
        ("left", "Left"),
        ("right", "Right"),
    ]
    data = js(client_dinan.get(f"{BASE}/services/pothole.json"))
    assert data["service_code"] == "pothole"
    assert data["attributes"][1]["values"] == [
        {"key": "left", "name": "Left"},
        {"key": "right", "name": "Right"},
    ]
    assert data["attributes"][0]["required"] is True


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_service_is_a_404_error_list(client_dinan, in_dinan, fmt):
    response = client_dinan.get(f"{BASE}/services/nope.{fmt}")
    assert response.status_code == 404
    if fmt == "xml":
        root = xml(response)
        assert root.tag == "errors" and root.findtext("error/code") == "404"
        assert root.findtext("error/description")
    else:
        assert js(response)[0]["code"] == 404 and js(response)[0]["description"]


def test_get_requests_in_both_formats(client_dinan, report):
    root = xml(client_dinan.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    (item,) = root.findall("request")
    assert [c.tag for c in item] == REQUEST_FIELDS
    assert item.findtext("service_request_id") == str(report.pk)
    assert item.findtext("status") == "open"
    assert item.findtext("service_code") == "pothole"
    assert item.findtext("description") == "Deep hole by the church"
    assert W3C.match(item.findtext("requested_datetime"))
    assert item.findtext("requested_datetime").endswith(("+01:00", "+02:00"))  # Europe/Paris
    assert W3C.match(item.findtext("expected_datetime"))
    assert float(item.findtext("lat")) == pytest.approx(DINAN[0])
    assert float(item.findtext("long")) == pytest.approx(DINAN[1])
    assert item.findtext("media_url").startswith("http://dinan.localhost/media/dinan/civic/")
    data = js(client_dinan.get(f"{BASE}/requests.json"))
    assert [list(r) for r in data] == [REQUEST_FIELDS]
    assert data[0]["lat"] == pytest.approx(DINAN[0]) and data[0]["status"] == "open"


def test_get_requests_filters(client_dinan, report, resident, streetlight, moderator):
    light = services.issue_report_create(
        reporter=resident,
        category=streetlight,
        title="Dark",
        description="Lamp out",
        address="Rue du Jerzual",
    )
    services.report_status_change(
        report=light, actor=moderator, status=Status.FIXED, public_note="New bulb"
    )
    IssueReport.objects.filter(pk=light.pk).update(created_at=timezone.now() - timedelta(days=10))

    def ids(**params):
        return [
            r["service_request_id"] for r in js(client_dinan.get(f"{BASE}/requests.json", params))
        ]

    assert ids() == [str(report.pk), str(light.pk)]
    assert ids(service_code="streetlight") == [str(light.pk)]
    assert ids(status="closed") == [str(light.pk)]
    assert ids(status="open,closed") == [str(report.pk), str(light.pk)]
    start = (timezone.now() - timedelta(days=11)).isoformat()
    end = (timezone.now() - timedelta(days=5)).isoformat()
    assert ids(start_date=start, end_date=end) == [str(light.pk)]
    assert ids(service_request_id=f"{light.pk},{report.pk}", status="open") == [
        str(light.pk),
        str(report.pk),
    ]
    closed = js(client_dinan.get(f"{BASE}/requests.json", {"status": "closed"}))[0]
    assert closed["status_notes"] == "New bulb" and closed["expected_datetime"] is None
    assert ids(page_size="1") == [str(report.pk)]
    assert ids(page_size="1", page="2") == [str(light.pk)]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"start_date": "2025-01-01", "end_date": "2025-06-01"},
        {"page_size": "-3"},
    ],
)
def test_bad_request_parameters_are_400_errors(client_dinan, in_dinan, params):
    response = client_dinan.get(f"{BASE}/requests.xml", params)
    assert response.status_code == 400
    assert xml(response).findtext("error/code") == "400"


def test_get_one_request_in_both_formats(client_dinan, report):
    root = xml(client_dinan.get(f"{BASE}/requests/{report.pk}.xml"))
    assert [c.tag for c in root.find("request")] == REQUEST_FIELDS
    data = js(client_dinan.get(f"{BASE}/requests/{report.pk}.json"))
    assert len(data) == 1 and data[0]["service_request_id"] == str(report.pk)
    assert client_dinan.get(f"{BASE}/requests/99999.json").status_code == 404


def test_post_request_creates_a_report_in_the_triage_queue(
    client_dinan, pothole, api_key, moderator
):
    response = client_dinan.post(
        f"{BASE}/requests.json",
        {
            "api_key": api_key,
            "jurisdiction_id": "dinan",
            "service_code": "pothole",
            "lat": "48.4551",
            "long": "-2.0499",
            "description": "Pothole near school",
            "email": "app-user@example.org",
            "first_name": "Ana",
            "last_name": "Lopez",
            "attribute[depth]": "12",
            "attribute[lane]": "left",
            "account_id": "a-7",
        },
    )
    assert response.status_code == 201, response.content
    (created,) = js(response)
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id"}
    assert created["account_id"] == "a-7"
    report = IssueReport.objects.get(pk=int(created["service_request_id"]))
    assert report.source == Source.OPEN311 and report.answers == {"depth": 12.0, "lane": "left"}
    assert report.contact_email == "app-user@example.org" and report.reporter is None
    assert report.followers.get().email == "app-user@example.org"
    from civic import selectors

    assert report in selectors.reports_triage(moderator, selectors.TriageFilters())
    token = js(client_dinan.get(f"{BASE}/tokens/{created['token']}.json"))
    assert token == [{"service_request_id": str(report.pk), "token": created["token"]}]
    root = xml(client_dinan.get(f"{BASE}/tokens/{created['token']}.xml"))
    assert root.findtext("request/service_request_id") == str(report.pk)
    assert client_dinan.get(f"{BASE}/tokens/unknown.xml").status_code == 404


def test_post_request_in_xml_with_a_photo(client_dinan, pothole, api_key):
    response = client_dinan.post(
        f"{BASE}/requests.xml",
        {
            "api_key": api_key,
            "service_code": "pothole",
            "address_string": "Quai de la Rance",
            "attribute[depth]": "3",
            "media": png(),
        },
    )
    assert response.status_code == 201
    root = xml(response)
    assert root.tag == "service_requests"
    assert [c.tag for c in root.find("request")] == [
        "service_request_id",
        "token",
        "service_notice",
        "account_id",
    ]
    report = IssueReport.objects.get(pk=int(root.findtext("request/service_request_id")))
    assert report.photos.count() == 1 and report.address == "Quai de la Rance"


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_without_key_or_with_revoked_key_is_refused(client_dinan, pothole, council_admin, fmt):
    key, raw = services.api_key_create(name="Old app", created_by=council_admin)
    services.api_key_revoke(key=key, actor=council_admin)
    payload = {"service_code": "pothole", "lat": "48.45", "long": "-2.05", "attribute[depth]": "3"}
    for extra in ({}, {"api_key": raw}, {"api_key": "made-up"}):
        response = client_dinan.post(f"{BASE}/requests.{fmt}", {**payload, **extra})
        assert response.status_code == 403
        error = xml(response).find("error") if fmt == "xml" else js(response)[0]
        code = error.findtext("code") if fmt == "xml" else str(error["code"])
        assert code == "403"
    assert not IssueReport.objects.exists()


def test_post_with_missing_fields_is_a_400_error(client_dinan, pothole, api_key):
    response = client_dinan.post(
        f"{BASE}/requests.json", {"api_key": api_key, "service_code": "pothole"}
    )
    assert response.status_code == 400
    descriptions = [e["description"] for e in js(response)]
    assert any("address" in d for d in descriptions)
    response = client_dinan.post(
        f"{BASE}/requests.json",
        {"api_key": api_key, "service_code": "pothole", "lat": "48.45", "long": "-2.05"},
    )
    assert response.status_code == 400 and "depth" in js(response)[0]["description"]
    response = client_dinan.post(
        f"{BASE}/requests.json", {"api_key": api_key, "service_code": "nope"}
    )
    assert response.status_code == 400


def test_wrong_jurisdiction_is_a_404(client_dinan, in_dinan):
    response = client_dinan.get(f"{BASE}/services.json", {"jurisdiction_id": "saint-malo"})
    assert response.status_code == 404 and js(response)[0]["code"] == 404


def test_request_of_one_council_is_invisible_in_another(
    report, api_key, saint_malo, client_saint_malo
):
    with tenant_context(saint_malo):
        assert not IssueReport.objects.filter(pk=report.pk).exists()
    assert client_saint_malo.get(f"{BASE}/requests/{report.pk}.json").status_code == 404
    assert js(client_saint_malo.get(f"{BASE}/requests.json")) == []
    assert client_saint_malo.get(f"{BASE}/tokens/{report.token}.xml").status_code == 404
    assert js(client_saint_malo.get(f"{BASE}/services.json")) == []
    # Dinan's key is not a key at Saint-Malo.
    response = client_saint_malo.post(
        f"{BASE}/requests.json",
        {"api_key": api_key, "service_code": "pothole", "lat": "48.6", "long": "-2.0"},
    )
    assert response.status_code == 403


def test_hidden_text_and_photo_are_not_in_open311(client_dinan, report, moderator):
    services.report_text_hide(report=report, actor=moderator, reason="Insults")
    services.report_photo_hide(photo=report.photos.get(), actor=moderator, reason="Face")
    data = js(client_dinan.get(f"{BASE}/requests/{report.pk}.json"))[0]
    assert data["description"] == "" and data["media_url"] == ""
    assert b"Deep hole" not in client_dinan.get(f"{BASE}/requests.xml").content


def test_method_not_allowed_is_an_error_list(client_dinan, in_dinan):
    response = client_dinan.post(f"{BASE}/services.json")
    assert response.status_code == 405 and js(response)[0]["code"] == 405


def test_unknown_open311_path_is_a_404_error_list(client_dinan, in_dinan):
    response = client_dinan.get(f"{BASE}/nothing.json")
    assert response.status_code == 404 and js(response)[0]["code"] == 404


def test_names_follow_the_councils_language(dinan, pothole):
    from tests.conftest import CouncilClient

    french = CouncilClient(dinan, language="")
    assert js(french.get(f"{BASE}/services.json"))[0]["service_name"] == "Nid-de-poule"


def test_posts_are_rate_limited_per_key(client_dinan, pothole, api_key, settings):
    settings.CIVIC_OPEN311_POSTS_PER_HOUR = 1
    payload = {
        "api_key": api_key,
        "service_code": "pothole",
        "address_string": "Quai",
        "attribute[depth]": "2",
    }
    assert client_dinan.post(f"{BASE}/requests.json", payload).status_code == 201
    response = client_dinan.post(f"{BASE}/requests.json", payload)
    assert response.status_code == 429 and js(response)[0]["code"] == 429


def test_xml_survives_control_characters_in_a_description(client_dinan, resident, pothole):
    from lxml import etree

    report = services.issue_report_create(
        reporter=resident,
        category=pothole,
        title="Hole\x0b in the road",
        description="Pasted from a word processor:\x0bhere\x01 and\x1f there",
        latitude=DINAN[0],
        longitude=DINAN[1],
        answers={"depth": 3},
    )
    for url in (f"{BASE}/requests.xml", f"{BASE}/requests/{report.pk}.xml"):
        response = client_dinan.get(url)
        assert response.status_code == 200
        root = etree.fromstring(response.content)
        (description,) = root.xpath("//request/description/text()")
        assert description == "Pasted from a word processor:here and there"
    # JSON carries the text as it was written (JSON can escape anything).
    (item,) = js(client_dinan.get(f"{BASE}/requests/{report.pk}.json"))
    assert "\x0b" in item["description"]


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "someone@example.org\nBcc: x@y.z"])
def test_post_with_an_invalid_email_is_refused_and_creates_nothing(
    client_dinan, pothole, api_key, email
):
    response = client_dinan.post(
        f"{BASE}/requests.json",
        {
            "api_key": api_key,
            "service_code": "pothole",
            "lat": "48.4551",
            "long": "-2.0499",
            "description": "Pothole",
            "email": email,
            "attribute[depth]": "12",
        },
    )
    assert response.status_code == 400
    (error,) = js(response)
    assert error["code"] == 400 and error["description"].startswith("email:")
    assert not IssueReport.objects.exists()
    from civic.models import ReportFollower

    assert not ReportFollower.objects.exists()
