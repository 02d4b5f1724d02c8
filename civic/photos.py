"""Hidden photos, for the staff who may see them. Visible photos are plain public files."""

from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404

from . import policy
from .models import ReportPhoto
from .storage import private_storage


def hidden_photo(request: HttpRequest, pk: int, size: str) -> FileResponse:
    photo = get_object_or_404(ReportPhoto.objects.select_related("report"), pk=pk, is_hidden=True)
    if size not in ("full", "thumb") or not policy.may_act_on(request.user, photo.report):
        raise Http404
    name = photo.file if size == "full" else photo.thumbnail
    response = FileResponse(private_storage().open(name, "rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    return response
