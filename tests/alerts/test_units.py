"""Segments, credentials encryption, CAP areas. (Phone numbers: core.phones, tests/core.)"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from alerts.cap import cap_polygons
from alerts.credentials import secret_decrypt, secret_encrypt
from alerts.segments import non_gsm7_characters, sms_segments


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # extension characters count two
        ("€" * 81, "GSM-7", 2),
        ("a" * 152 + "€", "GSM-7", 1),  # 154 septets still fit one SMS
        ("a" * 159 + "€", "GSM-7", 2),  # 161: split, and the escape pair is not cut
        ("Évacuez : la crue arrive à l'école", "GSM-7", 1),
        ("Vous devez être prudents", "UCS-2", 1),  # ê is not GSM-7
        ("ê" * 70, "UCS-2", 1),
        ("ê" * 71, "UCS-2", 2),
        ("ê" * 134, "UCS-2", 2),
        ("ê" * 135, "UCS-2", 3),
        ("🌊" * 35, "UCS-2", 1),  # surrogate pairs: two units each
        ("🌊" * 36, "UCS-2", 2),
    ],
)
def test_segments(text, encoding, segments):
    info = sms_segments(text)
    assert (info.encoding, info.segments) == (encoding, segments)


def test_characters_forcing_ucs2_are_named():
    assert non_gsm7_characters("Tempête, cœur, garçon, Ça") == ["ê", "œ", "ç"]


def test_secrets_round_trip_and_rotate(settings):
    settings.ALERTS_CREDENTIALS_KEYS = ["old-key"]
    token = secret_encrypt("auth-token")
    assert "auth-token" not in token
    settings.ALERTS_CREDENTIALS_KEYS = ["new-key", "old-key"]
    assert secret_decrypt(token) == "auth-token"
    settings.ALERTS_CREDENTIALS_KEYS = ["another-key"]
    with pytest.raises(Exception, match="cannot be decrypted"):
        secret_decrypt(token)


def test_cap_polygons_from_geojson():
    square = {
        "type": "Polygon",
        "coordinates": [[[-2.05, 48.45], [-2.04, 48.45], [-2.04, 48.46], [-2.05, 48.46]]],
    }
    (polygon,) = cap_polygons(square)
    points = polygon.split(" ")
    assert points[0] == "48.450000,-2.050000" and points[-1] == points[0] and len(points) == 5
    multi = {"type": "MultiPolygon", "coordinates": [square["coordinates"], square["coordinates"]]}
    assert len(cap_polygons(multi)) == 2
    assert cap_polygons({"type": "Point", "coordinates": [0, 0]}) == []
    assert cap_polygons(None) == []


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_compose_page_counter_agrees_with_the_server(tmp_path):
    """alerts/static/alerts/segments.js (the live counter) computes what alerts/segments.py does."""
    script = Path(__file__).resolve().parents[2] / "alerts" / "static" / "alerts" / "segments.js"
    runner = tmp_path / "run.js"
    runner.write_text(
        f"global.window = global; require({json.dumps(str(script))});\n"
        "const cases = JSON.parse(process.argv[2]);\n"
        "console.log(JSON.stringify(cases.map(t => { const i = smsSegments(t);"
        " return [i.encoding, i.segments, i.non_gsm]; })));\n"
    )
    cases = [
        "",
        "a" * 160,
        "a" * 161,
        "€" * 81,
        "a" * 159 + "€",
        "Évacuez à l'école",
        "Tempête, cœur",
        "ê" * 71,
        "ê" * 135,
        "🌊" * 36,
        "{[]}" * 40,
    ]
    output = subprocess.run(  # noqa: S603  (node and our own script)
        [shutil.which("node"), str(runner), json.dumps(cases)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    expected = [
        [sms_segments(c).encoding, sms_segments(c).segments, non_gsm7_characters(c)] for c in cases
    ]
    assert json.loads(output) == expected


def test_services_import_tasks_only_when_they_enqueue():
    """Tasks import services; a service reaches the task module inside the function that
    enqueues after commit, never at import time (STYLE.md, layering)."""
    import ast

    services = Path(__file__).resolve().parents[2] / "alerts" / "services"
    for path in services.glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(a.name for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any(n == "tasks" or n.endswith(".tasks") for n in names), path.name
