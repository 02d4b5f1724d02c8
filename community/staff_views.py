"""Staff portal: verification queue, document review, postcard batches, residents,
neighbourhoods and the council's verification settings."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import role_required
from accounts.roles import Role
from core.views import form_errors_from, private_download

from . import selectors, services
from .forms import (
    CommunitySettingsForm,
    NeighbourhoodForm,
    NoteForm,
    QueueFilterForm,
    ReasonForm,
    ResidentSearchForm,
)
from .geo import area_bounds
from .models import Method, Neighbourhood, PostcardBatch, VerificationRequest
from .postcards import postcard_batch_render
from .services.residence import SETTINGS_FIELDS

verifier_required = role_required(*selectors.VERIFIER_ROLES)
admin_required = role_required(Role.COUNCIL_ADMIN)


def _flash(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    """A refused decision, shown on the page the staff member comes back to."""
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text)


@verifier_required
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    method, neighbourhood = "", None
    if form.is_valid():
        method = form.cleaned_data["method"]
        neighbourhood = form.cleaned_data["neighbourhood"]
    requests = selectors.verification_queue(
        method=method, neighbourhood=neighbourhood.pk if neighbourhood else None
    )
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "community/staff/queue.html",
        {
            "form": form,
            "page": page,
            "counts": selectors.queue_counts(),
            "vouches_required": selectors.community_settings().vouches_required,
        },
    )


@verifier_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    verification = get_object_or_404(
        VerificationRequest.objects.select_related("resident", "neighbourhood", "decided_by"), pk=pk
    )
    residence = selectors.residence_for(verification.resident)
    return render(
        request,
        "community/staff/request.html",
        {
            "verification": verification,
            "residence": residence,
            "vouches": verification.vouches.select_related("voucher").order_by("created_at"),
            "reject_form": ReasonForm(),
            "Method": Method,
            "history": selectors.resident_history(verification.resident)[:20],
        },
    )


@verifier_required
def request_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The proof document, to reviewing staff only, never cached, never from a public URL."""
    verification = selectors.document_request_for(pk)
    if verification is None:
        raise Http404
    try:
        handle = verification.document.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=verification.document_type)
    extension = verification.document.name.rsplit(".", 1)[-1]
    # A PDF is stored as the resident sent it (it may carry scripts or forms): it is downloaded
    # and opened by the staff member's own viewer, never rendered inside our origin. Images are
    # re-encoded by the pipeline, so they are shown inline.
    disposition = "attachment" if verification.document_type == "application/pdf" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="proof-{pk}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    return response


@verifier_required
@require_POST
def request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    verification = get_object_or_404(VerificationRequest, pk=pk)
    try:
        services.verification_request_approve(acting=request.user, request=verification)
    except (ValidationError, PermissionDenied) as error:
        _flash(request, error)
        return redirect("community_staff:request", pk=pk)
    messages.success(
        request,
        _("%(name)s is verified; the document is deleted.")
        % {"name": verification.resident.full_name},
    )
    return redirect("community_staff:queue")


@verifier_required
@require_POST
def request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    verification = get_object_or_404(VerificationRequest, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason: the resident will see it."))
        return redirect("community_staff:request", pk=pk)
    try:
        services.verification_request_reject(
            acting=request.user, request=verification, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, PermissionDenied) as error:
        _flash(request, error)
        return redirect("community_staff:request", pk=pk)
    messages.success(request, _("The request is rejected."))
    return redirect("community_staff:queue")


@verifier_required
def residents(request: HttpRequest) -> HttpResponse:
    form = ResidentSearchForm(request.GET or None)
    query, status = "", ""
    if form.is_valid():
        query, status = form.cleaned_data["q"], form.cleaned_data["status"]
    page = Paginator(selectors.residents_search(query, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "community/staff/residents.html", {"form": form, "page": page})


@verifier_required
def resident_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    residence = selectors.residence_for(person)
    if residence is None:
        raise Http404
    return render(
        request,
        "community/staff/resident.html",
        {
            "person": person,
            "residence": residence,
            "requests": selectors.recent_requests_of(person, limit=50),
            "history": selectors.resident_history(person)[:100],
            "graph": selectors.vouching_graph(person),
            "revoke_form": ReasonForm(),
            "in_person_form": NoteForm(),
        },
    )


@verifier_required
@require_POST
def resident_revoke(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason: the resident will see it."))
    else:
        try:
            services.verification_revoke(
                acting=request.user, resident=person, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, PermissionDenied) as error:
            _flash(request, error)
        else:
            messages.success(request, _("The verification is revoked."))
    return redirect("community_staff:resident", user_id=user_id)


@verifier_required
@require_POST
def resident_verify_in_person(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        services.resident_verify_in_person(
            acting=request.user, resident=person, note=form.cleaned_data.get("note", "")
        )
    except (ValidationError, PermissionDenied) as error:
        _flash(request, error)
    else:
        messages.success(request, _("%(name)s is verified.") % {"name": person.full_name})
    return redirect("community_staff:resident", user_id=user_id)


@verifier_required
def batches(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            batch = services.postcard_batch_create(acting=request.user)
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, _("Batch %(id)s created.") % {"id": batch.pk})
            return redirect("community_staff:batch", pk=batch.pk)
        return redirect("community_staff:batches")
    return render(
        request,
        "community/staff/batches.html",
        {
            "batches": selectors.postcard_batches()[:100],
            "waiting": selectors.postcards_waiting(),
        },
    )


@verifier_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(PostcardBatch, pk=pk)
    cards = list(selectors.postcard_batch_cards(batch))
    return render(
        request,
        "community/staff/batch.html",
        {"batch": batch, "cards": cards, "left_out": sum(card.left_out for card in cards)},
    )


@verifier_required
@require_POST
def batch_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """POST, not GET: each download issues new codes (and voids the previous print)."""
    batch = get_object_or_404(PostcardBatch, pk=pk)
    try:
        rendered = postcard_batch_render(acting=request.user, batch=batch)
    except ValidationError as error:
        _flash(request, error)
        return redirect("community_staff:batch", pk=pk)
    return private_download(rendered.pdf, f"postcards-{batch.pk}.pdf", "application/pdf")


@verifier_required
@require_POST
def batch_posted(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(PostcardBatch, pk=pk)
    try:
        services.postcard_batch_mark_posted(acting=request.user, batch=batch)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(
            request,
            _("Batch %(id)s is marked as posted: its codes are now valid.") % {"id": batch.pk},
        )
        left_out = sum(card.left_out for card in selectors.postcard_batch_cards(batch))
        if left_out:
            messages.warning(
                request,
                ngettext(
                    "%(count)d card of this batch was cancelled before posting: its code "
                    "does not work.",
                    "%(count)d cards of this batch were cancelled before posting: their codes "
                    "do not work.",
                    left_out,
                )
                % {"count": left_out},
            )
    return redirect("community_staff:batch", pk=pk)


def _svg_outline(areas: list[dict]) -> dict | None:
    """Data for an SVG preview of the areas: viewBox and one path per polygon."""
    bounds = area_bounds([a["area"] for a in areas])
    if bounds is None:
        return None
    min_lon, min_lat, max_lon, max_lat = bounds
    width = max(max_lon - min_lon, 1e-6)
    height = max(max_lat - min_lat, 1e-6)
    scale = 1000 / max(width, height)
    shapes = []
    for item in areas:
        area = item["area"]
        polygons = [area["coordinates"]] if area["type"] == "Polygon" else area["coordinates"]
        d = " ".join(
            "M"
            + " L".join(f"{(x - min_lon) * scale:.1f},{(max_lat - y) * scale:.1f}" for x, y in ring)
            + " Z"
            for rings in polygons
            for ring in rings
        )
        shapes.append({"name": item["name"], "d": d})
    return {"w": f"{width * scale:.0f}", "h": f"{height * scale:.0f}", "shapes": shapes}


@admin_required
def neighbourhoods(request: HttpRequest) -> HttpResponse:
    form = NeighbourhoodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.neighbourhood_create(acting=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Neighbourhood added."))
            return redirect("community_staff:neighbourhoods")
    items = list(selectors.neighbourhoods())
    return render(
        request,
        "community/staff/neighbourhoods.html",
        {
            "form": form,
            "neighbourhoods": items,
            "preview": _svg_outline([{"name": n.name, "area": n.area} for n in items if n.area]),
        },
        status=400 if form.errors else 200,
    )


@admin_required
def neighbourhood_edit(request: HttpRequest, pk: int) -> HttpResponse:
    import json

    neighbourhood = get_object_or_404(Neighbourhood, pk=pk)
    initial = {
        "name": neighbourhood.name,
        "area": json.dumps(neighbourhood.area, indent=1) if neighbourhood.area else "",
    }
    form = NeighbourhoodForm(request.POST or None, initial=initial)
    if request.method == "POST" and "delete" in request.POST:
        services.neighbourhood_delete(acting=request.user, neighbourhood=neighbourhood)
        messages.success(request, _("Neighbourhood deleted."))
        return redirect("community_staff:neighbourhoods")
    if request.method == "POST" and form.is_valid():
        try:
            services.neighbourhood_update(
                acting=request.user, neighbourhood=neighbourhood, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Neighbourhood saved."))
            return redirect("community_staff:neighbourhoods")
    preview = _svg_outline(
        [{"name": neighbourhood.name, "area": neighbourhood.area}] if neighbourhood.area else []
    )
    return render(
        request,
        "community/staff/neighbourhood.html",
        {
            "form": form,
            "neighbourhood": neighbourhood,
            "preview": preview,
        },
        status=400 if form.errors else 200,
    )


@admin_required
def community_settings(request: HttpRequest) -> HttpResponse:
    current = selectors.community_settings()
    form = CommunitySettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.community_settings_update(
            acting=request.user, **{f: form.cleaned_data[f] for f in SETTINGS_FIELDS}
        )
        messages.success(request, _("The verification settings are saved."))
        return redirect("community_staff:settings")
    return render(
        request, "community/staff/settings.html", {"form": form}, status=400 if form.errors else 200
    )
