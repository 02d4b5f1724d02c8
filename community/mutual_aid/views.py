"""Resident pages of mutual aid: browse and search, post, the listing page with its actions,
private conversations, thank-yous, blocks, loans and abuse reports.

Views parse input, call one service or selector and render; a service's refusal comes back as
the page with the message and the status of `core.views.error_status`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from core.views import error_status, form_errors_from

from ..models import Neighbourhood
from ..storage import private_document_storage
from . import selectors, services
from .forms import FilterForm, ListingForm, LoanForm, MessageForm, ReportForm, ThankYouForm
from .models import Conversation, Loan, Message


def _refused(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text)


def _may_take_part(user) -> bool:
    try:
        services.require_participant(user)
    except PermissionDenied:
        return False
    return True


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def listing_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    filters = selectors.ListingFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.ListingFilters(
            query=data["q"],
            kind=data["kind"],
            category=data["category"],
            neighbourhood=data["neighbourhood"],
            free=data["free"],
            for_me=data["for_me"],
        )
    page = Paginator(selectors.listings_browse(request.user, filters), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "community/mutual_aid/list.html",
        {
            "form": form,
            "page": page,
            "may_post": _may_take_part(request.user),
            # The filters, kept on the link to the next page.
            "query_string": _without_page(request),
        },
    )


def listing_map(request: HttpRequest) -> HttpResponse:
    """Listings on a map at neighbourhood level: one shape per neighbourhood with its count."""
    counts = dict(
        selectors.listings_public()
        .order_by()
        .values_list("neighbourhood")
        .annotate(n=Count("pk"))
        .values_list("neighbourhood", "n")
    )
    rows = [
        {"neighbourhood": n, "count": counts.get(n.pk, 0)}
        for n in Neighbourhood.objects.order_by("name")
    ]
    features = [
        {
            "type": "Feature",
            "geometry": row["neighbourhood"].area,
            "properties": {
                "name": row["neighbourhood"].name,
                "count": row["count"],
                "url": f"?neighbourhood={row['neighbourhood'].pk}",
            },
        }
        for row in rows
        if row["neighbourhood"].area
    ]
    if request.GET.get("format") == "geojson":
        return JsonResponse({"type": "FeatureCollection", "features": features})
    return render(
        request,
        "community/mutual_aid/map.html",
        {"rows": rows, "elsewhere": counts.get(None, 0), "features": features},
    )


@login_required
def listing_create(request: HttpRequest) -> HttpResponse:
    allowed = _may_take_part(request.user)
    form = ListingForm(request.POST or None)
    status = 200 if allowed else 403
    if request.method == "POST" and form.is_valid():
        try:
            listing = services.listing_create(
                author=request.user,
                photos=request.FILES.getlist("photos"),
                **form.cleaned_data,
            )
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                form.add_error(None, str(error))
            else:
                form_errors_from(form, error)
            status = error_status(error)
        else:
            messages.success(request, _("Your listing is published for 30 days."))
            return redirect(listing)
    elif request.method == "POST":
        status = 400
    reason = ""
    if not allowed:
        try:
            services.require_participant(request.user)
        except PermissionDenied as error:
            reason = str(error)
    return render(
        request,
        "community/mutual_aid/listing_form.html",
        {"form": form, "allowed": allowed, "reason": reason, "max_photos": services.MAX_PHOTOS},
        status=status,
    )


@login_required
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _listing_or_404(request, pk)
    if listing.author_id != request.user.pk:
        raise Http404
    initial = {
        "kind": listing.kind,
        "category": listing.category,
        "title": listing.title,
        "description": listing.description,
        "compensation": listing.compensation,
        "amount": listing.amount,
        "availability": listing.availability,
        "reach": listing.reach,
    }
    form = ListingForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.listing_update(
                    listing=listing,
                    actor=request.user,
                    photos=request.FILES.getlist("photos"),
                    remove_photos=[
                        int(v) for v in request.POST.getlist("remove_photos") if v.isdigit()
                    ],
                    **form.cleaned_data,
                )
            except (ValidationError, PermissionDenied) as error:
                if isinstance(error, PermissionDenied):
                    form.add_error(None, str(error))
                else:
                    form_errors_from(form, error)
                status = error_status(error)
            else:
                messages.success(request, _("Your listing is updated."))
                return redirect(listing)
        else:
            status = 400
    return render(
        request,
        "community/mutual_aid/listing_form.html",
        {
            "form": form,
            "allowed": True,
            "listing": listing,
            "photos": list(listing.photos.all()),
            "max_photos": services.MAX_PHOTOS,
        },
        status=status,
    )


def _listing_or_404(request: HttpRequest, pk: int):
    listing = selectors.listing_for(request.user, pk)
    if listing is None:
        raise Http404
    return listing


def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _listing_or_404(request, pk)
    user = request.user
    is_author = user.is_authenticated and user.pk == listing.author_id
    conversations = []
    own_conversation = None
    if is_author:
        conversations = list(
            Conversation.objects.filter(listing=listing).select_related("respondent")
        )
    elif user.is_authenticated:
        own_conversation = Conversation.objects.filter(listing=listing, respondent=user).first()
    return render(
        request,
        "community/mutual_aid/listing_detail.html",
        {
            "listing": listing,
            "photos": list(listing.photos.all()),
            "is_author": is_author,
            "may_answer": _may_take_part(user) and not is_author and listing.is_open,
            "conversations": conversations,
            "own_conversation": own_conversation,
            "helped": selectors.helped_count(listing.author),
            "thanks": selectors.thanks_received(listing.author),
            "loans": list(listing.loans.select_related("lender", "borrower")),
            "message_form": MessageForm(),
            "report_form": ReportForm(),
            "loan_form": LoanForm(),
        },
    )


@login_required
@require_POST
def listing_interested(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _listing_or_404(request, pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a message to the author."))
        return redirect(listing)
    try:
        conversation = services.conversation_open(
            listing=listing, respondent=request.user, body=form.cleaned_data["body"]
        )
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
        return redirect(listing)
    return redirect(conversation)


@login_required
@require_POST
def listing_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The author's buttons: renew, close, agree (with a conversation), done, record a loan."""
    listing = _listing_or_404(request, pk)
    try:
        if action == "renew":
            services.listing_renew(listing=listing, actor=request.user)
            messages.success(request, _("Your listing is renewed for 30 days."))
        elif action == "close":
            services.listing_close(listing=listing, actor=request.user)
            messages.success(request, _("Your listing is closed."))
        elif action == "agree":
            conversation = get_object_or_404(
                Conversation, pk=request.POST.get("conversation") or 0, listing=listing
            )
            services.listing_agree(listing=listing, actor=request.user, conversation=conversation)
            messages.success(request, _("Agreed. Mark it done once the help happened."))
        elif action == "done":
            services.listing_done(listing=listing, actor=request.user)
            messages.success(request, _("Marked done. You can now say thank you."))
        elif action == "loan":
            form = LoanForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Give the start and due dates."))
            services.loan_create(listing=listing, actor=request.user, **form.cleaned_data)
            messages.success(
                request, _("The loan is recorded. We will send a reminder on the due date.")
            )
        elif action == "report":
            form = ReportForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Tell the moderators what is wrong."))
            services.abuse_report_create(
                reporter=request.user, listing=listing, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Thank you. A moderator will look at it."))
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    return redirect(listing)


def listing_photo(request: HttpRequest, pk: int, size: str) -> FileResponse:
    photo = selectors.photo_for(request.user, pk)
    if photo is None or size not in ("full", "thumb"):
        raise Http404
    name = photo.file if size == "full" else photo.thumbnail
    response = FileResponse(
        private_document_storage().open(name, "rb"), content_type=photo.content_type
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def conversation_list(request: HttpRequest) -> HttpResponse:
    conversations = Paginator(selectors.conversations_of(request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "community/mutual_aid/conversations.html", {"page": conversations})


def _conversation_or_404(request: HttpRequest, pk: int) -> Conversation:
    conversation = selectors.conversation_for(request.user, pk)
    if conversation is None:
        raise Http404
    return conversation


@login_required
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = _conversation_or_404(request, pk)
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.message_send(
                    conversation=conversation, sender=request.user, body=form.cleaned_data["body"]
                )
            except (ValidationError, PermissionDenied) as error:
                if isinstance(error, PermissionDenied):
                    form.add_error(None, str(error))
                else:
                    form_errors_from(form, error)
                status = error_status(error)
            else:
                return redirect(conversation)
        else:
            status = 400
    services.conversation_mark_read(conversation=conversation, reader=request.user)
    other = conversation.other_of(request.user)
    listing = conversation.listing
    return render(
        request,
        "community/mutual_aid/conversation.html",
        {
            "conversation": conversation,
            "thread": selectors.messages_of(conversation, request.user),
            "other": other,
            "listing": listing,
            "is_author": conversation.side_of(request.user) == "author",
            "has_blocked": selectors.has_blocked(request.user, other),
            "may_thank": listing is not None
            and listing.status == "done"
            and listing.helper_id == conversation.respondent_id
            and other is not None
            and not conversation.thanks.filter(author=request.user).exists(),
            "form": form,
            "thank_form": ThankYouForm(),
            "report_form": ReportForm(),
        },
        status=status,
    )


@login_required
@require_POST
def conversation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    conversation = _conversation_or_404(request, pk)
    other = conversation.other_of(request.user)
    try:
        if action == "thank":
            form = ThankYouForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Write a short thank-you."))
            services.thank_you_leave(
                conversation=conversation, author=request.user, text=form.cleaned_data["text"]
            )
            messages.success(request, _("Your thank-you is published."))
        elif action == "block":
            if other is None:
                raise ValidationError(_("This resident has left the platform."))
            services.block_create(blocker=request.user, blocked=other)
            messages.success(request, _("Blocked: you will no longer hear from this resident."))
        elif action == "unblock":
            if other is not None:
                services.block_remove(blocker=request.user, blocked=other)
            messages.success(request, _("Unblocked."))
        elif action == "report":
            message = get_object_or_404(
                Message, pk=request.POST.get("message") or 0, conversation=conversation
            )
            form = ReportForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Tell the moderators what is wrong."))
            services.abuse_report_create(
                reporter=request.user, message=message, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Thank you. A moderator will look at it."))
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    return redirect(conversation)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "community/mutual_aid/mine.html",
        {
            "listings": selectors.listings_of(user),
            "loans": selectors.loans_of(user),
            "blocks": selectors.blocked_by(user),
            "helped": selectors.helped_count(user),
            "suspension": selectors.suspension_of(user),
            "may_post": _may_take_part(user),
        },
    )


@login_required
@require_POST
def loan_close(request: HttpRequest, pk: int) -> HttpResponse:
    loan = get_object_or_404(Loan, Q(lender=request.user) | Q(borrower=request.user), pk=pk)
    try:
        services.loan_close(
            loan=loan, actor=request.user, returned=request.POST.get("returned") == "yes"
        )
    except PermissionDenied as error:
        _refused(request, error)
    return redirect("community:mutual_aid:mine")


@login_required
@require_POST
def unblock(request: HttpRequest, user_id: int) -> HttpResponse:
    other = get_object_or_404(User, pk=user_id)
    services.block_remove(blocker=request.user, blocked=other)
    messages.success(request, _("Unblocked."))
    return redirect("community:mutual_aid:mine")
