"""The staff portal of consultations: list, create and edit (with the questions), schedule,
open, close early, duplicate, preview as a resident, results (CSV, JSON), outcome, moderation of
free text and paper ballots. Each view parses, calls one service or selector, and renders."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from core.csv import csv_response
from core.views import error_status, form_errors_from

from . import policy, selectors, services
from .forms import (
    AnswerForm,
    ConsultationForm,
    ModerationForm,
    OutcomeForm,
    QuestionForm,
    ReportLinksForm,
)
from .models import (
    Consultation,
    ConsultationAttachment,
    ConsultationQuestion,
    TextAnswer,
    TextStatus,
)
from .views import detail_context, in_council_timezone

staff_required = role_required(*policy.STAFF_ROLES)
manage_required = role_required(*policy.MANAGE_ROLES)
read_required = role_required(*policy.READ_ROLES)
moderate_required = role_required(*policy.MODERATE_ROLES)


def _get(pk: int) -> Consultation:
    return get_object_or_404(Consultation.objects.prefetch_related("questions"), pk=pk)


def _flash(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text or _("You may not do this."))


@staff_required
@in_council_timezone
def consultation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "civic/consultations/staff/list.html",
        {
            "consultations": selectors.staff_consultations(),
            "may_manage": policy.may_manage(request.user),
        },
    )


@manage_required
@in_council_timezone
def consultation_new(request: HttpRequest) -> HttpResponse:
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.consultation_create(
                actor=request.user,
                neighbourhoods=form.cleaned_data["neighbourhoods"],
                **form.values(),
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Consultation created. Now add its questions."))
            return redirect("civic_staff:consultations:edit", pk=consultation.pk)
    return render(
        request,
        "civic/consultations/staff/edit.html",
        {"form": form, "consultation": None},
        status=400 if form.errors else 200,
    )


def _edit_context(consultation: Consultation, form=None, question_forms=None, new_form=None):
    questions = list(consultation.questions.all())
    return {
        "consultation": consultation,
        "form": form or ConsultationForm(instance=consultation),
        "question_forms": question_forms
        or [(q, QuestionForm(consultation=consultation, question=q)) for q in questions],
        "new_question": new_form or QuestionForm(consultation=consultation),
        "editable": consultation.phase in ("draft", "scheduled"),
        "links_form": ReportLinksForm(
            initial={
                "reports": ", ".join(
                    str(pk) for pk in consultation.related_reports.values_list("pk", flat=True)
                )
            }
        ),
    }


@staff_required
@in_council_timezone
def consultation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(pk)
    if request.method != "POST":
        return render(request, "civic/consultations/staff/edit.html", _edit_context(consultation))
    form = ConsultationForm(request.POST, instance=Consultation.objects.get(pk=pk))
    status = 400
    if form.is_valid():
        try:
            services.consultation_update(
                actor=request.user,
                consultation=consultation,
                neighbourhoods=form.cleaned_data["neighbourhoods"],
                **form.values(),
            )
        except (ValidationError, PermissionDenied) as error:
            status = error_status(error)
            if isinstance(error, ValidationError):
                form_errors_from(form, error)
            else:
                raise
        else:
            messages.success(request, _("Saved."))
            return redirect("civic_staff:consultations:edit", pk=pk)
    return render(
        request,
        "civic/consultations/staff/edit.html",
        _edit_context(consultation, form),
        status=status,
    )


def _question_post(request: HttpRequest, pk: int, question: ConsultationQuestion | None):
    consultation = _get(pk)
    form = QuestionForm(request.POST, consultation=consultation, question=question)
    if form.is_valid():
        try:
            services.question_save(
                actor=request.user, consultation=consultation, spec=form.spec(), question=question
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Question saved."))
            return redirect("civic_staff:consultations:edit", pk=pk)
    context = _edit_context(consultation)
    if question is None:
        context["new_question"] = form
    else:
        context["question_forms"] = [
            (q, form if q.pk == question.pk else f) for q, f in context["question_forms"]
        ]
    return render(request, "civic/consultations/staff/edit.html", context, status=400)


@manage_required
@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _question_post(request, pk, None)


@manage_required
@require_POST
def question_edit(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    question = get_object_or_404(ConsultationQuestion, pk=qid, consultation_id=pk)
    return _question_post(request, pk, question)


@manage_required
@require_POST
def question_remove(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    question = get_object_or_404(ConsultationQuestion, pk=qid, consultation_id=pk)
    try:
        services.question_delete(actor=request.user, question=question)
    except ValidationError as error:
        _flash(request, error)
    return redirect("civic_staff:consultations:edit", pk=pk)


@manage_required
@require_POST
def report_links(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(pk)
    form = ReportLinksForm(request.POST)
    if form.is_valid():
        try:
            services.consultation_reports_link(
                actor=request.user,
                consultation=consultation,
                report_ids=form.cleaned_data["reports"],
            )
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, _("Linked street reports saved."))
    else:
        messages.error(request, " ".join(form.errors["reports"]))
    return redirect("civic_staff:consultations:edit", pk=pk)


@manage_required
@require_POST
def cover(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(pk)
    upload = request.FILES.get("cover")
    if upload is None and request.POST.get("remove") != "1":
        messages.error(request, _("Choose an image."))
        return redirect("civic_staff:consultations:edit", pk=pk)
    try:
        services.consultation_cover_set(
            actor=request.user, consultation=consultation, upload=upload
        )
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Cover image saved."))
    return redirect("civic_staff:consultations:edit", pk=pk)


@manage_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
        return redirect("civic_staff:consultations:edit", pk=pk)
    try:
        services.attachment_add(
            actor=request.user,
            consultation=consultation,
            upload=upload,
            title=request.POST.get("title", "")[:200],
        )
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Document added."))
    return redirect("civic_staff:consultations:edit", pk=pk)


@manage_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    attachment = get_object_or_404(ConsultationAttachment, pk=aid, consultation_id=pk)
    services.attachment_delete(actor=request.user, attachment=attachment)
    return redirect("civic_staff:consultations:edit", pk=pk)


ACTIONS = {
    "schedule": (services.consultation_schedule, "Scheduled: residents can see it."),
    "open": (services.consultation_open_now, "The consultation is open."),
    "close": (services.consultation_close, "The consultation is closed."),
    "publish-results": (services.results_publish, "Results published."),
    "duplicate": (services.consultation_duplicate, "Copy created, as a draft."),
}


@manage_required
@require_POST
def consultation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    service, done = ACTIONS[action]
    consultation = _get(pk)
    try:
        result = service(actor=request.user, consultation=consultation)
    except ValidationError as error:
        _flash(request, error)
        return redirect("civic_staff:consultations:edit", pk=pk)
    messages.success(request, _(done))
    return redirect("civic_staff:consultations:edit", pk=result.pk)


@staff_required
@in_council_timezone
def consultation_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident's page, with the answer form as an eligible resident would see it."""
    consultation = _get(pk)
    context = detail_context(request, consultation)
    context.update(
        preview=True,
        form=AnswerForm(consultation=consultation, seed="preview"),
        participation=None,
    )
    # What residents would see: not the results staff may read before they are public.
    context["results"] = None
    context["texts"] = None
    return render(request, "civic/consultations/detail.html", context)


@read_required
@in_council_timezone
def consultation_results(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(pk)
    return render(
        request,
        "civic/consultations/staff/results.html",
        {
            "consultation": consultation,
            "results": selectors.results(consultation),
            "texts": selectors.text_answers_for_moderation(
                consultation, status=TextStatus.PUBLISHED
            ),
            "visible_to_public": selectors.results_visible_to(None, consultation),
        },
    )


@read_required
def results_csv(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(pk)
    data = selectors.results(consultation)
    hoods = []
    for q in data["questions"]:
        if q.get("neighbourhoods"):
            hoods = q["neighbourhoods"]
            break
    header = ["question", "answer", "count", "percent", "borda", *hoods]
    return csv_response(
        f"consultation-{consultation.pk}-results", header, selectors.results_rows(data)
    )


@read_required
def results_json(request: HttpRequest, pk: int) -> JsonResponse:
    consultation = _get(pk)
    return JsonResponse(selectors.results(consultation))


@manage_required
@in_council_timezone
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(pk)
    form = OutcomeForm(request.POST or None, initial={"outcome": consultation.outcome})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.outcome_publish(
                actor=request.user, consultation=consultation, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            form_errors_from(form, error)
            status = 400
        else:
            messages.success(request, _("Outcome published."))
            return redirect("civic_staff:consultations:edit", pk=pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "civic/consultations/staff/outcome.html",
        {"consultation": consultation, "form": form},
        status=status,
    )


@staff_required
def texts(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _get(pk)
    status = request.GET.get("status", TextStatus.PENDING)
    if status not in TextStatus.values:
        status = ""
    answers = selectors.text_answers_for_moderation(consultation, status=status)
    themes: dict[str, int] = {}
    for answer in selectors.text_answers_for_moderation(consultation):
        for theme in answer.themes:
            themes[theme] = themes.get(theme, 0) + 1
    return render(
        request,
        "civic/consultations/staff/texts.html",
        {
            "consultation": consultation,
            "answers": answers,
            "status": status,
            "statuses": TextStatus.choices,
            "themes": sorted(themes.items()),
            "may_moderate": policy.may_moderate(request.user),
        },
    )


@moderate_required
@require_POST
def text_moderate(request: HttpRequest, pk: int, tid) -> HttpResponse:
    answer = get_object_or_404(TextAnswer, pk=tid, question__consultation_id=pk)
    form = ModerationForm(request.POST)
    if form.is_valid():
        try:
            services.text_answer_moderate(
                actor=request.user,
                answer=answer,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                themes=form.cleaned_data["themes"].split(","),
            )
        except ValidationError as error:
            _flash(request, error)
    else:
        messages.error(request, _("Choose to publish or hide the answer."))
    return redirect(f"{request.path.rsplit('/', 2)[0]}/?status={request.GET.get('status', '')}")


@manage_required
@in_council_timezone
def paper_ballot(request: HttpRequest, pk: int) -> HttpResponse:
    """Find a verified resident, then type in their paper ballot."""
    consultation = _get(pk)
    query = request.GET.get("q", "")
    resident = None
    resident_id = request.POST.get("resident") or request.GET.get("resident")
    if resident_id and str(resident_id).isdigit():
        resident = selectors.residents_for_paper_ballot_by_id(int(resident_id))
    form = AnswerForm(request.POST or None, consultation=consultation, seed="paper")
    status = 200
    if request.method == "POST":
        if resident is None:
            raise Http404
        form.is_valid()
        try:
            services.paper_ballot_enter(
                actor=request.user, consultation=consultation, resident=resident, raw=form.raw()
            )
        except ValidationError as error:
            status = 400
            if hasattr(error, "error_dict"):
                form.service_errors = {
                    k: [str(m) for e in v for m in e.messages] for k, v in error.error_dict.items()
                }
            else:
                form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                _("Paper ballot of %(name)s counted.") % {"name": resident.full_name},
            )
            return redirect("civic_staff:consultations:paper", pk=pk)
    return render(
        request,
        "civic/consultations/staff/paper.html",
        {
            "consultation": consultation,
            "query": query,
            "matches": selectors.residents_for_paper_ballot(query) if query else [],
            "resident": resident,
            "already": resident is not None
            and selectors.participation_of(resident, consultation) is not None,
            "form": form,
        },
        status=status,
    )
