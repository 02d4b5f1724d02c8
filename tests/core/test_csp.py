"""The Content-Security-Policy sent with every response (the browser suite checks that pages
raise no violation)."""

import re

from tests.conftest import CouncilClient


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_every_page_gets_a_strict_policy_with_a_fresh_nonce_for_the_brand_style(dinan):
    client = CouncilClient(dinan)
    first, second = client.get("/"), client.get("/")
    policy = _policy(first)
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    nonce = re.search(r"'nonce-([^']+)'", policy["style-src"]).group(1)
    assert f'<style nonce="{nonce}">' in first.content.decode()
    assert _policy(second)["style-src"] != policy["style-src"]
    # Errors and API answers carry it too.
    assert "Content-Security-Policy" in client.get("/no-such-page/")
    assert "Content-Security-Policy" in client.get("/api/v1/me/")


def test_no_template_has_an_inline_script_handler_or_style_attribute():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.glob("*/templates/**/*.html"):
        if "postcards" in path.parts:  # printed by WeasyPrint, never served to a browser
            continue
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
            offenders.append(f"{path}: inline <script>")
        if re.search(r"\son[a-z]+=\"", text):
            offenders.append(f"{path}: inline event handler")
        if re.search(r"\sstyle=\"", text):
            offenders.append(f"{path}: style attribute")
    assert not offenders, "\n".join(offenders)


def test_the_tile_server_is_allowed_for_images_only(dinan, settings):
    settings.COMMUNE_MAP_TILE_URL = "https://data.geopf.fr/wmts?layer=PLAN&x={x}&y={y}&z={z}"
    policy = _policy(CouncilClient(dinan).get("/"))
    assert "https://data.geopf.fr" in policy["img-src"]
    assert "https://data.geopf.fr" not in policy["script-src"]
