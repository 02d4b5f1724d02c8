"""A small phone: the pages residents open from an SMS or in the street fit the screen."""

from .conftest import SLUG

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _fits(ui) -> None:
    assert ui.page.evaluate(NO_SIDEWAYS_SCROLL), f"{ui.page.url} scrolls sideways on a phone"


def test_home_alert_and_report_form_fit_a_phone(phone_ui, in_council):
    from alerts.models import Alert

    identifier = Alert.objects.filter(state="sent").values_list("identifier", flat=True).first()
    page = phone_ui.page
    phone_ui.goto("/")
    _fits(phone_ui)
    phone_ui.goto(f"/alerts/{identifier}/")
    _fits(phone_ui)

    phone_ui.login(f"alice@{SLUG}.example", next_path="/reports/new/")
    page.locator("input[name=category]").first.check()
    phone_ui.click(page.get_by_role("button", name="Continuer"))
    _fits(phone_ui)
    # The map takes a tap, and says where the point is, in French typography.
    page.locator(".civic-map").tap(position={"x": 120, "y": 100})
    assert page.locator("#civic-map-point").inner_text().startswith("Point placé\u00a0: ")
    phone_ui.goto("/verify/")
    _fits(phone_ui)


# On a phone a table never makes the reader scroll sideways, neither the page nor inside its
# wrapper: wide tables stack (one block per row, each value under its column's name).
TABLES_FIT = """() => {
  const width = window.innerWidth;
  const problems = [];
  for (const table of document.querySelectorAll("main table")) {
    const box = table.getBoundingClientRect();
    const wrap = table.closest(".table-wrap") || table.parentElement;
    if (box.right > width + 1 || wrap.scrollWidth > wrap.clientWidth + 1) {
      problems.push(`table ${Math.round(box.width)}px in ${wrap.clientWidth}px`);
    }
  }
  return problems;
}"""


def _tables_fit(ui) -> None:
    _fits(ui)
    assert ui.page.locator("main table").count() > 0, ui.page.url
    problems = ui.page.evaluate(TABLES_FIT)
    assert problems == [], f"{ui.page.url} on a phone: {problems}"


def test_wide_tables_stack_on_a_phone(phone_ui, in_council):
    from accounts.models import User
    from alerts.models import Alert, AlertRecipient
    from community.models import Method, RequestStatus, VerificationRequest

    alice = User.objects.get(email=f"alice@{SLUG}.example")
    # Her history holds a refused proof with a long reason; the alert has long failures.
    VerificationRequest.objects.create(
        resident=alice,
        method=Method.PROOF,
        status=RequestStatus.REJECTED,
        reason="Le justificatif envoyé est une facture d'électricité au nom d'une autre "
        "personne, datée de plus de trois mois.",
    )
    alert = Alert.objects.filter(state="sent").order_by("-pk").first()
    AlertRecipient.objects.create(
        alert=alert,
        phone="+33612345678",
        batch=0,
        status=AlertRecipient.Status.FAILED,
        error_code=30006,
        error_message="Landline or unreachable carrier: the destination cannot receive SMS",
    )

    phone_ui.login(f"alice@{SLUG}.example", next_path="/verify/")
    _tables_fit(phone_ui)
    phone_ui.click(phone_ui.page.locator("form[action$='/logout/'] button").first)
    phone_ui.login(f"admin@{SLUG}.example", next_path=f"/staff/alerts/{alert.pk}/")
    assert phone_ui.page.locator("#progress").count() == 1
    _tables_fit(phone_ui)
