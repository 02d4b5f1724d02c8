"""Every email the platform writes is built by one helper, `accounts.services.council_email`,
so it leaves in the council's name with the council's Reply-To. The email tests of each app
check the headers of the emails they send (tests/emails.py, `assert_sent_by_council`)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ["accounts", "alerts", "civic", "community", "core", "reports", "tenants"]
SENDERS = {"EmailMessage", "EmailMultiAlternatives", "send_mail", "send_mass_mail", "mail_admins"}
HELPER = ROOT / "accounts" / "services.py"


def _calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in SENDERS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    return found


def test_no_email_is_built_outside_the_council_helper():
    found = [
        call
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts and path != HELPER
        for call in _calls(path)
    ]
    assert found == []
    assert [c.split(" ")[1] for c in _calls(HELPER)] == ["EmailMessage"]
