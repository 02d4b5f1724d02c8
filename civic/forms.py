from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category, Question
from .services import CATEGORY_FIELDS, QUESTION_FIELDS, SETTABLE_STATUSES


class ReportForm(forms.Form):
    """A resident's report of one category; the category's questions are added as fields named
    `q_<code>`. Photos are read from request.FILES["photos"] (up to 3) by the view."""

    latitude = forms.FloatField(
        required=False, widget=forms.HiddenInput, min_value=-90, max_value=90
    )
    longitude = forms.FloatField(
        required=False, widget=forms.HiddenInput, min_value=-180, max_value=180
    )
    address = forms.CharField(
        label=_("Address or place"),
        max_length=255,
        required=False,
        help_text=_("Type the address: the pin moves to it. Or describe the place."),
        # The council's address search offers its own suggestions under the field.
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    title = forms.CharField(label=_("Summary"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}))
    show_name = forms.BooleanField(label=_("Show my name on the public report"), required=False)
    ignore_nearby = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, category: Category, **kwargs):
        super().__init__(*args, **kwargs)
        self.category = category
        for question in category.questions.all():
            self.fields[f"q_{question.code}"] = _question_field(question)

    def answers(self) -> dict:
        raw = {}
        for question in self.category.questions.all():
            value = (
                self.data.getlist(f"q_{question.code}")
                if hasattr(self.data, "getlist")
                else self.data.get(f"q_{question.code}")
            )
            raw[question.code] = (
                value
                if question.kind == Question.Kind.MULTIPLE
                else (value[0] if isinstance(value, list) and value else value)
            )
        return raw

    def question_fields(self):
        return [self[name] for name in self.fields if name.startswith("q_")]


def _question_field(question: Question) -> forms.Field:
    common = {"label": question.label, "required": False, "help_text": question.help_text}
    if question.kind == Question.Kind.NUMBER:
        field = forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    elif question.kind == Question.Kind.DATE:
        field = forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    elif question.kind == Question.Kind.SINGLE:
        field = forms.ChoiceField(choices=[("", "—"), *question.choice_items()], **common)
    elif question.kind == Question.Kind.MULTIPLE:
        field = forms.MultipleChoiceField(
            choices=question.choice_items(), widget=forms.CheckboxSelectMultiple, **common
        )
    else:
        field = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **common)
    # Required answers are checked by the service; the browser gets the hint too.
    if question.required:
        field.widget.attrs["aria-required"] = "true"
        field.label = f"{question.label} *"
    return field


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"), choices=[(s.value, s.label) for s in SETTABLE_STATUSES]
    )
    public_note = forms.CharField(
        label=_("Public note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the report's timeline and emailed to its followers."),
    )
    rejection_reason = forms.CharField(
        label=_("Reason for rejecting"), required=False, max_length=500
    )


class NoteForm(forms.Form):
    public_note = forms.CharField(
        label=_("Public note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    internal_note = forms.CharField(
        label=_("Internal note (staff only)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MergeForm(forms.Form):
    original = forms.IntegerField(label=_("Number of the original report"), min_value=1)
    public_note = forms.CharField(
        label=_("Public note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Reason (sent to the reporter)"), max_length=300)


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = list(CATEGORY_FIELDS)


class QuestionForm(forms.ModelForm):
    choices_text = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For choice questions: one per line, as key|French name|English name."),
    )

    class Meta:
        model = Question
        # The options are typed as text (choices_text) and parsed into `choices`.
        fields = [name for name in QUESTION_FIELDS if name != "choices"]

    def clean_choices_text(self) -> list[dict]:
        choices = []
        for line in self.cleaned_data.get("choices_text", "").splitlines():
            parts = [p.strip() for p in line.split("|")]
            if not parts[0]:
                continue
            name_fr = parts[1] if len(parts) > 1 and parts[1] else parts[0]
            name_en = parts[2] if len(parts) > 2 else ""
            choices.append({"key": parts[0], "name_fr": name_fr, "name_en": name_en})
        return choices


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    members = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = staff


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Application name"), max_length=120)


class MapSettingsForm(forms.Form):
    latitude = forms.FloatField(label=_("Latitude of the map centre"), min_value=-90, max_value=90)
    longitude = forms.FloatField(
        label=_("Longitude of the map centre"), min_value=-180, max_value=180
    )
    zoom = forms.IntegerField(label=_("Zoom"), min_value=1, max_value=19)
