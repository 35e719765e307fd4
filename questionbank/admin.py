"""The recruiters' editing UI.

Translated texts are edited per language: each language has its own
fieldset (English first and required, the others collapsible), so a Dutch
editor works through one block of Dutch fields.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.forms import Textarea
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from modeltranslation.admin import (
    TranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)
from simple_history.admin import SimpleHistoryAdmin

from . import coverage, kits, questions
from .languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from .models import (
    AuditEvent,
    Competency,
    CompetencyRubricLevel,
    Kit,
    KitTemplate,
    Level,
    Question,
    Role,
    RoleCompetency,
    RoleScreeningQuestion,
    RubricLevel,
    ScreeningOption,
    ScreeningQuestion,
    Stage,
)
from .paginators import IdFirstPaginator
from .printing import render_kit_html
from .spreadsheets import QuestionResource

LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands", "de": "Deutsch", "it": "Italiano"}
# The languages as a list filter offers them.
LANGUAGE_CHOICES = [(code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LANGUAGES]
QUESTION_TEXT_FIELDS = ("text", "probes", "guidance")
SMALL_TEXTAREA = {models.TextField: {"widget": Textarea(attrs={"rows": 3, "cols": 80})}}


def language_fieldsets(*fields: str) -> list:
    """One fieldset per language holding that language's column of each translated field."""
    fieldsets = []
    for code, _name in settings.LANGUAGES:
        options = {"fields": [f"{field}_{code}" for field in fields]}
        if code != settings.MODELTRANSLATION_DEFAULT_LANGUAGE:
            options["classes"] = ["collapse"]
        fieldsets.append((LANGUAGE_NAMES[code], options))
    return fieldsets


def missing_languages(obj, fields: tuple[str, ...]) -> list[str]:
    """Language codes in which at least one of the fields is empty."""
    return [
        code
        for code, _name in settings.LANGUAGES
        if any(not getattr(obj, f"{field}_{code}") for field in fields)
    ]


class CompetencyRubricLevelInline(TranslationStackedInline):
    model = CompetencyRubricLevel
    extra = 0
    max_num = 5
    formfield_overrides = SMALL_TEXTAREA
    fieldsets = [(None, {"fields": ["score"]}), *language_fieldsets("label", "anchor")]


@admin.register(Competency)
class CompetencyAdmin(SimpleHistoryAdmin, TranslationAdmin):
    list_display = ["name", "slug", "category", "active_questions"]
    list_filter = ["category"]
    search_fields = ["slug", "name_en", "name_nl", "name_de", "name_it"]
    prepopulated_fields = {"slug": ["name_en"]}
    fieldsets = [
        (None, {"fields": ["slug", "category"]}),
        *language_fieldsets("name", "description"),
    ]
    inlines = [CompetencyRubricLevelInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_question_count=Count(
                    "questions", filter=Q(questions__status=Question.Status.ACTIVE)
                )
            )
        )

    @admin.display(description=_("active questions"), ordering="active_question_count")
    def active_questions(self, obj):
        return obj.active_question_count


class RoleCompetencyInline(admin.TabularInline):
    model = RoleCompetency
    extra = 1
    autocomplete_fields = ["competency"]


class RoleScreeningInline(admin.TabularInline):
    """The role's screening questionnaire: order by position, mark the knockouts."""

    model = RoleScreeningQuestion
    extra = 1
    autocomplete_fields = ["question"]
    fields = ["position", "question", "knockout", "required", "rule_value"]
    ordering = ["position", "id"]
    verbose_name_plural = _("screening questionnaire (asked in order of position)")


@admin.register(Role)
class RoleAdmin(SimpleHistoryAdmin, TranslationAdmin):
    list_display = ["title", "slug", "level", "family", "competency_count"]
    list_filter = ["level", "family"]
    search_fields = ["slug", "title_en", "title_nl", "title_de", "title_it"]
    prepopulated_fields = {"slug": ["title_en"]}
    fieldsets = [
        (None, {"fields": ["slug", "family", "level"]}),
        *language_fieldsets("title", "summary"),
    ]
    inlines = [RoleCompetencyInline, RoleScreeningInline]
    actions = [
        "preview_first_interview",
        "assemble_phone_screen",
        "assemble_first_interview",
        "assemble_final",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(competency_total=Count("role_competencies"))

    def _assemble(self, request, queryset, stage):
        roles = list(queryset[:2])
        if len(roles) != 1:
            self.message_user(request, _("Select exactly one role."), messages.WARNING)
            return None
        return assemble_and_open(self, request, role=roles[0], stage=stage)

    @admin.action(description=_("Preview a first-interview kit (not stored)"))
    def preview_first_interview(self, request, queryset):
        roles = list(queryset[:2])
        if len(roles) != 1:
            self.message_user(request, _("Select exactly one role."), messages.WARNING)
            return None
        return preview_kit(self, request, role=roles[0], stage=Stage.FIRST_INTERVIEW)

    @admin.action(description=_("Assemble a phone-screen kit"))
    def assemble_phone_screen(self, request, queryset):
        return self._assemble(request, queryset, Stage.PHONE_SCREEN)

    @admin.action(description=_("Assemble a first-interview kit"))
    def assemble_first_interview(self, request, queryset):
        return self._assemble(request, queryset, Stage.FIRST_INTERVIEW)

    @admin.action(description=_("Assemble a final-interview kit"))
    def assemble_final(self, request, queryset):
        return self._assemble(request, queryset, Stage.FINAL)

    @admin.display(description=_("competencies"), ordering="competency_total")
    def competency_count(self, obj):
        return obj.competency_total


class RubricLevelInline(TranslationStackedInline):
    model = RubricLevel
    extra = 0
    max_num = 5
    formfield_overrides = SMALL_TEXTAREA
    fieldsets = [(None, {"fields": ["score"]}), *language_fieldsets("label", "anchor")]


class LevelFilter(admin.SimpleListFilter):
    title = _("role level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return Level.choices

    def queryset(self, request, queryset):
        if self.value() in Level.values:
            return queryset.for_level(self.value())
        return queryset


class MissingTranslationFilter(admin.SimpleListFilter):
    title = _("missing translation")
    parameter_name = "missing"

    def lookups(self, request, model_admin):
        return LANGUAGE_CHOICES

    def queryset(self, request, queryset):
        if self.value() not in SUPPORTED_LANGUAGES:
            return queryset
        missing = Q()
        for field in QUESTION_TEXT_FIELDS:
            missing |= Q(**{f"{field}_{self.value()}": ""})
            missing |= Q(**{f"{field}_{self.value()}__isnull": True})
        return queryset.filter(missing)


class KitLanguageFilter(admin.SimpleListFilter):
    """The kit's language, from the languages offered: not a DISTINCT over every kit."""

    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return LANGUAGE_CHOICES

    def queryset(self, request, queryset):
        if self.value() in SUPPORTED_LANGUAGES:
            return queryset.filter(language=self.value())
        return queryset


class QuestionAdminForm(forms.ModelForm):
    """Refuses to save over a change made since the form was opened (optimistic lock)."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Question
        fields = "__all__"  # noqa: DJ007  (the admin's fieldsets choose what is shown)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("seen_version")
        if self.instance.pk and seen is not None:
            # Locks the row until this save's transaction ends (the admin runs in one).
            current = (
                Question.objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if current is not None and current != seen:
                raise forms.ValidationError(concurrent_edit_message(self.instance), code="stale")
        return cleaned


def concurrent_edit_message(question: Question) -> str:
    latest = question.history.select_related("history_user").first()
    who = latest.history_user.get_username() if latest and latest.history_user else _("someone")
    when = timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M") if latest else ""
    return _(
        "This question was changed by %(who)s at %(when)s after you opened it. Your changes "
        "were not saved, so theirs are not lost: open the question again, then redo your edit."
    ) % {"who": who, "when": when}


class CompetencyAndLevelsForm(forms.Form):
    competency = forms.ModelChoiceField(
        Competency.objects.order_by("slug"), required=False, label=_("New competency")
    )
    levels = forms.MultipleChoiceField(
        choices=Level.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("New role levels"),
    )


@admin.register(Question)
class QuestionAdmin(ImportExportModelAdmin, SimpleHistoryAdmin, TranslationAdmin):
    form = QuestionAdminForm
    resource_classes = [QuestionResource]
    formats = [base_formats.CSV, base_formats.XLSX]
    list_display = [
        "code",
        "short_text",
        "type",
        "competency",
        "level_list",
        "expected_minutes",
        "status",
        "translations",
        "updated_at",
    ]
    list_filter = [
        "status",
        "type",
        LevelFilter,
        "competency",
        "roles",
        MissingTranslationFilter,
    ]
    list_select_related = ["competency"]
    list_per_page = 50
    # A page's ids sorted first, then its rows: not every question with its texts.
    paginator = IdFirstPaginator
    search_fields = ["code", "text_en", "text_nl", "text_de", "text_it"]
    autocomplete_fields = ["competency"]
    filter_horizontal = ["roles"]
    readonly_fields = ["created_at", "updated_at"]
    formfield_overrides = SMALL_TEXTAREA
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    ("competency", "type"),
                    ("for_entry", "for_mid", "for_senior"),
                    "roles",
                    ("expected_minutes", "status"),
                    ("created_at", "updated_at"),
                    "seen_version",
                ]
            },
        ),
        *language_fieldsets(*QUESTION_TEXT_FIELDS),
    ]
    inlines = [RubricLevelInline]
    actions = ["activate", "retire", "make_draft", "duplicate", "set_competency_and_levels"]

    def get_urls(self):
        coverage_view = self.admin_site.admin_view(self.coverage_view)
        return [
            path("coverage/", coverage_view, name="questionbank_coverage"),
            *super().get_urls(),
        ]

    def coverage_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = coverage.cached_coverage()
        return TemplateResponse(
            request,
            "questionbank/admin/coverage.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Coverage of the bank"),
                "rows": rows,
                "languages": settings.LANGUAGES,
                "gap_count": sum(c["state"] == "gap" for r in rows for c in r["counts"]),
                "opts": self.model._meta,
            },
        )

    def has_delete_permission(self, request, obj=None):
        # Questions are retired, never deleted: printed kits and kit
        # snapshots refer to them, and the history must stay readable.
        return False

    @admin.display(description=_("question"))
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 90 else f"{obj.text[:87]}…"

    @admin.display(description=_("levels"))
    def level_list(self, obj):
        return ", ".join(obj.levels)

    @admin.display(description=_("missing languages"))
    def translations(self, obj):
        return " ".join(missing_languages(obj, QUESTION_TEXT_FIELDS)) or "—"

    def _set_status(self, request, queryset, status):
        changed = questions.set_status(questions=queryset, status=status)
        self.message_user(
            request,
            ngettext(
                "%(count)d question set to %(status)s.",
                "%(count)d questions set to %(status)s.",
                changed,
            )
            % {"count": changed, "status": Question.Status(status).label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Activate selected questions"), permissions=["change"])
    def activate(self, request, queryset):
        self._set_status(request, queryset, Question.Status.ACTIVE)

    @admin.action(description=_("Retire selected questions"), permissions=["change"])
    def retire(self, request, queryset):
        self._set_status(request, queryset, Question.Status.RETIRED)

    @admin.action(description=_("Set selected questions back to draft"), permissions=["change"])
    def make_draft(self, request, queryset):
        self._set_status(request, queryset, Question.Status.DRAFT)

    @admin.action(description=_("Duplicate selected questions as drafts"), permissions=["add"])
    def duplicate(self, request, queryset):
        copies = [questions.duplicate_as_draft(question=q) for q in queryset]
        self.message_user(
            request,
            ngettext(
                "%(count)d draft copy created: %(codes)s.",
                "%(count)d draft copies created: %(codes)s.",
                len(copies),
            )
            % {"count": len(copies), "codes": ", ".join(c.code for c in copies)},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Set competency or levels of selected questions"), permissions=["change"]
    )
    def set_competency_and_levels(self, request, queryset):
        form = CompetencyAndLevelsForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                changed = questions.reassign(
                    questions=queryset,
                    competency=form.cleaned_data["competency"],
                    levels=form.cleaned_data["levels"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    ngettext("%(count)d question changed.", "%(count)d questions changed.", changed)
                    % {"count": changed},
                    messages.SUCCESS,
                )
                return None
        return TemplateResponse(
            request,
            "questionbank/admin/set_competency_and_levels.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Set competency or levels"),
                "form": form,
                "questions": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


class ScreeningOptionInline(TranslationTabularInline):
    model = ScreeningOption
    extra = 0
    fields = ["position", "value", "label_en", "label_nl", "label_de", "label_it", "accepted"]
    ordering = ["position", "value"]


@admin.register(ScreeningQuestion)
class ScreeningQuestionAdmin(TranslationAdmin):
    list_display = ["code", "short_text", "answer_type", "rule", "rule_value", "used_by"]
    list_filter = ["answer_type", "rule"]
    search_fields = ["code", "text_en", "text_nl", "text_de", "text_it"]
    formfield_overrides = SMALL_TEXTAREA
    fieldsets = [
        (
            None,
            {"fields": ["code", "answer_type", ("min_value", "max_value"), ("rule", "rule_value")]},
        ),
        *language_fieldsets("text", "help", "unit"),
    ]
    inlines = [ScreeningOptionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(role_count=Count("role_items"))

    @admin.display(description=_("question"))
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 90 else f"{obj.text[:87]}…"

    @admin.display(description=_("roles"), ordering="role_count")
    def used_by(self, obj):
        return obj.role_count


class KitTemplateForm(forms.ModelForm):
    question_types = forms.MultipleChoiceField(
        choices=Question.Type.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Types to draw from and balance. None ticked: all but screening."),
    )

    class Meta:
        model = KitTemplate
        fields = [
            "role",
            "stage",
            "time_budget_minutes",
            "competencies",
            "questions_per_competency",
            "question_types",
            "include_screening",
        ]


@admin.register(KitTemplate)
class KitTemplateAdmin(admin.ModelAdmin):
    form = KitTemplateForm
    list_display = [
        "role",
        "stage",
        "time_budget_minutes",
        "questions_per_competency",
        "include_screening",
    ]
    list_filter = ["stage", "role__level"]
    list_select_related = ["role"]
    autocomplete_fields = ["role"]
    filter_horizontal = ["competencies"]
    actions = ["preview", "assemble"]

    @admin.action(description=_("Preview a kit from the selected template (not stored)"))
    def preview(self, request, queryset):
        templates = list(queryset[:2])
        if len(templates) != 1:
            self.message_user(request, _("Select exactly one template."), messages.WARNING)
            return None
        template = templates[0]
        return preview_kit(
            self, request, role=template.role, stage=template.stage, template=template
        )

    @admin.action(description=_("Assemble a kit from the selected template"))
    def assemble(self, request, queryset):
        templates = list(queryset[:2])
        if len(templates) != 1:
            self.message_user(request, _("Select exactly one template."), messages.WARNING)
            return None
        template = templates[0]
        return assemble_and_open(
            self, request, role=template.role, stage=template.stage, template=template
        )


@admin.register(Kit)
class KitAdmin(admin.ModelAdmin):
    """Kits are snapshots: viewed here, never edited."""

    list_display = [
        "created_at",
        "role",
        "stage",
        "language",
        "total_minutes",
        "warning_count",
        "created_by",
        "print_links",
    ]
    # By date through a filter, not date_hierarchy: its year, month and day links are a
    # DISTINCT over every kit on each page (0.3 s at 60,000 kits). No second count of every
    # kit either: the list shows the count of what is filtered.
    list_filter = ["stage", KitLanguageFilter, "role", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["role", "created_by"]
    show_full_result_count = False
    search_fields = ["id", "role__slug"]
    fields = [
        "print_links",
        "id",
        "role",
        "stage",
        "language",
        "seed",
        "total_minutes",
        "created_by",
        "created_at",
        "template",
        "warnings_list",
        "contents",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("_changelist"):
            # The list shows none of the snapshot (10 to 20 KB a kit) but its warnings.
            queryset = queryset.defer("content", "parameters")
        return queryset

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("print"))
    def print_links(self, kit):
        return format_html(
            '<a href="{}" target="_blank">{}</a> · <a href="{}">{}</a>',
            reverse("kit-print", args=[kit.pk]),
            _("Print"),
            reverse("kit-pdf", args=[kit.pk]),
            _("PDF"),
        )

    @admin.display(description=_("warnings"))
    def warning_count(self, kit):
        return len(kit.warnings)

    @admin.display(description=_("warnings"))
    def warnings_list(self, kit):
        if not kit.warnings:
            return "—"
        return format_html_join(mark_safe("<br>"), "{}", ((w["message"],) for w in kit.warnings))

    @admin.display(description=_("contents"))
    def contents(self, kit):
        return render_to_string("questionbank/admin/kit_contents.html", {"kit": kit})


def admin_language() -> str:
    language = get_language()
    return language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def preview_kit(model_admin, request, **arguments):
    """The print view of a kit assembled now and not stored (a new seed each time)."""
    try:
        assembled = kits.assemble_kit(language=admin_language(), **arguments)
    except kits.KitError as exc:
        model_admin.message_user(request, str(exc), messages.ERROR)
        return None
    kit = kits.unsaved_kit(assembled, created_by=request.user)
    kit.created_at = timezone.now()
    return HttpResponse(render_kit_html(kit, preview=True))


def assemble_and_open(model_admin, request, **arguments):
    """Assemble and store a kit in the user's admin language, then open it."""
    if not request.user.has_perm("questionbank.add_kit"):
        model_admin.message_user(request, _("You may not create kits."), messages.ERROR)
        return None
    try:
        assembled = kits.assemble_kit(language=admin_language(), **arguments)
    except kits.KitError as exc:
        model_admin.message_user(request, str(exc), messages.ERROR)
        return None
    kit = kits.store_kit(assembled, created_by=request.user)
    for warning in kit.warnings:
        model_admin.message_user(request, warning["message"], messages.WARNING)
    return HttpResponseRedirect(reverse("admin:questionbank_kit_change", args=[kit.pk]))


# The admin index links to the bank's tools (coverage, import, API docs).
admin.site.index_template = "questionbank/admin/index.html"
admin.site.site_header = _("Interview question bank")
admin.site.site_title = _("Question bank")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail: read-only, for operators and auditors."""

    list_display = ["at", "actor_name", "action", "target", "via", "ip"]
    list_filter = ["action", "via", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_name", "target", "action"]
    # By date through the filter alone: date_hierarchy's links are a DISTINCT over the whole
    # trail on every page, and the trail only grows (an event per kit created).
    show_full_result_count = False
    readonly_fields = ["at", "actor", "actor_name", "action", "target", "via", "ip"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
