"""Forms of consultations. They parse what was typed; the services validate it (one set of rules
for the site, the API and paper ballots)."""

import random
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Neighbourhood

from .models import (
    CHOICE_KINDS,
    OTHER,
    Consultation,
    ConsultationQuestion,
    QuestionKind,
    TextStatus,
)
from .services import EDITABLE_FIELDS, QuestionSpec


class AnswerForm(forms.Form):
    """One field per question (`q<id>`), a field per option for rankings (`q<id>_rank_<key>`,
    a select of positions: usable with a keyboard alone), and `q<id>_other` for "other"."""

    wants_outcome = forms.BooleanField(
        label=_("Email me when the council publishes what it decided"), required=False
    )

    def __init__(self, *args, consultation: Consultation, seed: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.consultation = consultation
        self.questions = list(consultation.questions.all())
        self.service_errors: dict[str, list[str]] = {}
        for question in self.questions:
            options = question.options()
            if question.shuffle:
                # The same order for one respondent across visits, another for the next one.
                random.Random(f"{seed}:{question.pk}").shuffle(options)  # noqa: S311  (not security)
                if any(k == OTHER for k, _l in options):
                    options = [o for o in options if o[0] != OTHER] + [
                        o for o in options if o[0] == OTHER
                    ]
            for name, field in _fields(question, options):
                self.fields[name] = field

    def raw(self) -> dict[str, Any]:
        """What was typed, as `services.answers_clean` takes it."""
        data = self.data
        raw: dict[str, Any] = {}
        for q in self.questions:
            name = f"q{q.pk}"
            if q.kind == QuestionKind.MULTIPLE:
                raw[q.key] = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
            elif q.kind == QuestionKind.RANKING:
                raw[q.key] = _ranking(q, data)
            else:
                raw[q.key] = data.get(name, "")
            if q.allow_other:
                raw[f"{q.key}_other"] = data.get(f"{name}_other", "")
        return raw

    def blocks(self) -> list[dict[str, Any]]:
        """For the template: each question with its fields and errors."""
        out = []
        for q in self.questions:
            prefix = f"q{q.pk}"
            out.append(
                {
                    "question": q,
                    "fields": [
                        self[n] for n in self.fields if n == prefix or n.startswith(prefix + "_")
                    ],
                    "errors": self.service_errors.get(q.key, []),
                    "ranking": q.kind == QuestionKind.RANKING,
                    "condition": q.show_if,
                    "condition_label": dict(q.show_if.options()).get(q.show_if_value, "")
                    if q.show_if
                    else "",
                }
            )
        return out


def _ranking(question: ConsultationQuestion, data) -> list[str] | None:
    """The option keys in the order of the positions chosen; None when nothing was chosen. A
    position given twice or left out is kept as given: the service refuses it with a message."""
    positions: list[tuple[int, str]] = []
    for key, _label in question.options():
        value = data.get(f"q{question.pk}_rank_{key}", "")
        if str(value).isdigit():
            positions.append((int(value), key))
    if not positions:
        return None
    if len({p for p, _k in positions}) != len(positions):
        return [k for _p, k in positions] + [positions[0][1]]  # refused: a key twice
    return [k for _p, k in sorted(positions)]


def _fields(question: ConsultationQuestion, options: list[tuple[str, str]]):
    name = f"q{question.pk}"
    common = {"label": question.label, "required": False, "help_text": question.help_text}
    kind = question.kind
    if kind == QuestionKind.SHORT_TEXT:
        yield name, forms.CharField(max_length=200, **common)
    elif kind == QuestionKind.LONG_TEXT:
        yield name, forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), **common)
    elif kind == QuestionKind.NUMBER:
        attrs = {"inputmode": "numeric"}
        if question.number_min is not None:
            attrs["min"] = str(question.number_min)
        if question.number_max is not None:
            attrs["max"] = str(question.number_max)
        yield name, forms.CharField(widget=forms.NumberInput(attrs=attrs), **common)
    elif kind == QuestionKind.MULTIPLE:
        yield (
            name,
            forms.MultipleChoiceField(
                choices=options, widget=forms.CheckboxSelectMultiple, **common
            ),
        )
    elif kind == QuestionKind.RANKING:
        positions = [("", "—")] + [(str(i), str(i)) for i in range(1, len(options) + 1)]
        for key, label in options:
            yield (
                f"{name}_rank_{key}",
                forms.ChoiceField(
                    label=label,
                    choices=positions,
                    required=False,
                    widget=forms.Select(attrs={"class": "rank"}),
                ),
            )
    else:  # single, yes/no, scale: radio buttons
        yield name, forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
    if question.allow_other:
        yield (
            f"{name}_other",
            forms.CharField(label=_("Other: please specify"), max_length=200, required=False),
        )


class ConsultationForm(forms.ModelForm):
    neighbourhoods = forms.ModelMultipleChoiceField(
        queryset=Neighbourhood.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Neighbourhoods"),
        help_text=_("When the consultation is not for the whole council."),
    )

    class Meta:
        model = Consultation
        fields = [*EDITABLE_FIELDS]
        widgets = {
            "opens_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "closes_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "summary": forms.Textarea(attrs={"rows": 2}),
            "body": forms.Textarea(attrs={"rows": 10}),
            "eligibility": forms.RadioSelect,
            "ballot_mode": forms.RadioSelect,
            "results_visibility": forms.RadioSelect,
        }
        help_texts = {"opens_at": _("In the council's time zone.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["neighbourhoods"].initial = list(self.instance.neighbourhoods.all())

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    label = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(label=_("Help text"), max_length=500, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    choices = forms.CharField(
        label=_("Options, one per line"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("For one choice, several choices and ranking."),
    )
    allow_other = forms.BooleanField(label=_("Offer “other (please specify)”"), required=False)
    shuffle = forms.BooleanField(label=_("Shuffle the options for each respondent"), required=False)
    min_choices = forms.IntegerField(label=_("At least (choices)"), min_value=0, required=False)
    max_choices = forms.IntegerField(label=_("At most (choices)"), min_value=1, required=False)
    scale = forms.ChoiceField(
        label=_("Scale"),
        choices=[("1-5", "1 to 5"), ("0-10", "0 to 10"), ("1-10", "1 to 10"), ("0-5", "0 to 5")],
        required=False,
    )
    min_label = forms.CharField(label=_("Label of the lowest value"), max_length=60, required=False)
    max_label = forms.CharField(
        label=_("Label of the highest value"), max_length=60, required=False
    )
    number_min = forms.IntegerField(label=_("Smallest number"), required=False)
    number_max = forms.IntegerField(label=_("Largest number"), required=False)
    show_if = forms.ModelChoiceField(
        label=_("Only when the question"),
        queryset=ConsultationQuestion.objects.none(),
        required=False,
    )
    show_if_value = forms.CharField(
        label=_("was answered (option text or key)"), max_length=300, required=False
    )
    order = forms.IntegerField(label=_("Order"), required=False)

    def __init__(self, *args, consultation: Consultation, question=None, **kwargs):
        if question is not None and not kwargs.get("data") and not args:
            kwargs["initial"] = {
                "kind": question.kind,
                "label": question.label,
                "help_text": question.help_text,
                "required": question.required,
                "choices": "\n".join(c["label"] for c in question.choices),
                "allow_other": question.allow_other,
                "shuffle": question.shuffle,
                "min_choices": question.min_choices,
                "max_choices": question.max_choices,
                "scale": f"{question.scale_min}-{question.scale_max}",
                "min_label": question.min_label,
                "max_label": question.max_label,
                "number_min": question.number_min,
                "number_max": question.number_max,
                "show_if": question.show_if_id,
                "show_if_value": question.show_if_value,
                "order": question.order,
            }
        super().__init__(*args, **kwargs)
        self.question = question
        parents = consultation.questions.filter(
            kind__in=[QuestionKind.SINGLE, QuestionKind.YES_NO, QuestionKind.SCALE],
            show_if__isnull=True,
        )
        if question is not None:
            parents = parents.exclude(pk=question.pk)
        self.fields["show_if"].queryset = parents
        self.prefix = f"question-{question.pk}" if question is not None else "new"

    def spec(self) -> QuestionSpec:
        d = self.cleaned_data
        low, high = (int(x) for x in (d.get("scale") or "1-5").split("-"))
        parent = d.get("show_if")
        value = (d.get("show_if_value") or "").strip()
        if parent is not None:
            # Staff may type the option's text: turn it into its key.
            by_label = {label.lower(): key for key, label in parent.options()}
            value = by_label.get(value.lower(), value)
        return QuestionSpec(
            kind=d["kind"],
            label=d["label"],
            help_text=d.get("help_text") or "",
            required=bool(d.get("required")),
            choices=(d.get("choices") or "").splitlines() if d["kind"] in CHOICE_KINDS else (),
            allow_other=bool(d.get("allow_other")),
            shuffle=bool(d.get("shuffle")),
            min_choices=d.get("min_choices"),
            max_choices=d.get("max_choices"),
            scale_min=low,
            scale_max=high,
            min_label=d.get("min_label") or "",
            max_label=d.get("max_label") or "",
            number_min=d.get("number_min"),
            number_max=d.get("number_max"),
            show_if=parent,
            show_if_value=value,
            order=d.get("order"),
        )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("What the council decided, and why (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class ModerationForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(TextStatus.PUBLISHED, _("Publish")), (TextStatus.HIDDEN, _("Hide"))],
        widget=forms.RadioSelect,
        label=_("Decision"),
    )
    reason = forms.CharField(label=_("Reason (when hiding)"), max_length=300, required=False)
    themes = forms.CharField(label=_("Themes, separated by commas"), max_length=300, required=False)


class ReportLinksForm(forms.Form):
    reports = forms.CharField(
        label=_("Linked street reports"),
        required=False,
        max_length=500,
        help_text=_("Report numbers separated by commas, e.g. 12, 57."),
    )

    def clean_reports(self) -> list[int]:
        numbers = []
        for part in self.cleaned_data["reports"].replace("#", "").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise forms.ValidationError(_("Give report numbers, separated by commas."))
            numbers.append(int(part))
        return numbers
