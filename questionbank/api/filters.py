"""Query filters for the question list (django-filter)."""

import django_filters
from django import forms
from django.db.models import Q
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from questionbank.models import Competency, Kit, Level, Question, Role, Stage


class SlugListField(forms.Field):
    """Every value of a repeated parameter, each possibly comma-separated, as a sorted list."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        items = value if isinstance(value, (list, tuple)) else [value]
        return sorted(
            {s.strip() for item in items if item for s in str(item).split(",") if s.strip()}
        )


class SlugListFilter(django_filters.CharFilter):
    """Several slugs, repeated (`?competency=a&competency=b`) or comma-separated (`a,b`).

    Unknown slugs are a 400 naming them, not an empty result that hides a typo.
    """

    field_class = SlugListField

    def __init__(self, *args, model, **kwargs):
        self.lookup_model = model
        super().__init__(*args, **kwargs)

    def filter(self, qs, slugs):
        if not slugs:
            return qs
        found = dict(self.lookup_model.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise ValidationError(
                {self.field_name: [f"Unknown {self.field_name}: {', '.join(unknown)}."]},
                code="does_not_exist",
            )
        return qs.filter(**{f"{self.field_name}__in": found.values()})


class QuestionFilter(django_filters.FilterSet):
    role = django_filters.CharFilter(
        method="filter_role",
        label="Role slug: questions that suit the role (its level; not restricted to other roles).",
    )
    level = django_filters.ChoiceFilter(
        choices=Level.choices, method="filter_level", label="Role level the question suits."
    )
    competency = SlugListFilter(
        model=Competency,
        label="Competency slug; several as a comma-separated list or repeated parameter.",
    )
    type = django_filters.MultipleChoiceFilter(choices=Question.Type.choices)
    status = django_filters.ChoiceFilter(choices=Question.Status.choices)
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        label="Words in the question's code or text, in any language.",
    )

    class Meta:
        model = Question
        fields = ["role", "level", "competency", "type", "status", "search"]

    def filter_role(self, queryset, name, value):
        role = Role.objects.filter(slug=value).first()
        if role is None:
            raise ValidationError({"role": [f"Unknown role: {value}."]}, code="does_not_exist")
        return queryset.suitable_for(role)

    def filter_level(self, queryset, name, value):
        return queryset.for_level(value)

    def filter_search(self, queryset, name, value):
        condition = Q(code__icontains=value)
        for language in ("en", "nl", "de", "it"):
            condition |= Q(**{f"text_{language}__icontains": value})
        return queryset.filter(condition)


class StableOrderingFilter(OrderingFilter):
    """`?ordering=` with unknown fields refused, and ties broken by id so pages are stable."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw:
            terms = [term.strip() for term in raw.split(",") if term.strip()]
            unknown = [t for t in terms if t.lstrip("-") not in view.ordering_fields]
            if unknown:
                raise ValidationError(
                    {
                        "ordering": [
                            f"Cannot order by {', '.join(unknown)}. "
                            f"Choose from: {', '.join(view.ordering_fields)} (prefix - to reverse)."
                        ]
                    }
                )
            return [*terms, "pk"]
        return [*view.ordering, "pk"]


class KitFilter(django_filters.FilterSet):
    role = SlugListFilter(model=Role, label="Role slug; several comma-separated.")
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="ISO 8601 date-time, inclusive."
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="ISO 8601 date-time, exclusive."
    )

    class Meta:
        model = Kit
        fields = ["role", "stage", "created_after", "created_before"]
