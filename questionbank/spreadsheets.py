"""Questions as spreadsheets (CSV, XLSX) with django-import-export.

One row per question, identified by its `code`: existing questions are
updated, new ones created. Columns: code, competency (slug), type, levels
("entry,mid"), roles (slugs, comma-separated), expected_minutes, status,
then per language text_xx, probes_xx (one probe per line in the cell) and
guidance_xx, then the rubric: rubric_<score>_label_xx and
rubric_<score>_anchor_xx for scores 1 to 5.

An import is all-or-nothing: every row is validated and one bad row (any
column) means nothing is written; the admin shows a preview of what will be
created, updated and skipped before anything is saved. An exported file
imports again without changes.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from import_export import fields, resources, widgets

from .models import MAX_SCORE, MIN_SCORE, Competency, Level, Question, Role, RubricLevel

LANGUAGES = [code for code, _name in settings.LANGUAGES]
SCORES = range(MIN_SCORE, MAX_SCORE + 1)
RUBRIC_PARTS = ("label", "anchor")


def rubric_column(score: int, part: str, language: str) -> str:
    return f"rubric_{score}_{part}_{language}"


QUESTION_COLUMNS = [
    "code",
    "competency",
    "type",
    "levels",
    "roles",
    "expected_minutes",
    "status",
    *[f"{name}_{language}" for name in ("text", "probes", "guidance") for language in LANGUAGES],
]
RUBRIC_COLUMNS = [
    rubric_column(score, part, language)
    for score in SCORES
    for part in RUBRIC_PARTS
    for language in LANGUAGES
]


class LevelsWidget(widgets.Widget):
    """ "entry,mid" ⇄ ["entry", "mid"]."""

    def clean(self, value, row=None, **kwargs):
        levels = [part.strip().lower() for part in str(value or "").split(",") if part.strip()]
        unknown = [level for level in levels if level not in Level.values]
        if unknown:
            raise ValueError(
                f"Unknown level(s): {', '.join(unknown)}. Use {', '.join(Level.values)}."
            )
        if not levels:
            raise ValueError(f"Give at least one level: {', '.join(Level.values)}.")
        return levels

    def render(self, value, obj=None, **kwargs):
        return ",".join(value or [])


class SlugWidget(widgets.ForeignKeyWidget):
    """A competency by slug; an unknown slug is a validation error of the cell."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"Unknown {self.model._meta.verbose_name}: {value}.") from None


class SlugListWidget(widgets.ManyToManyWidget):
    """Roles by slug, comma-separated; unknown slugs are a validation error, not dropped."""

    def clean(self, value, row=None, **kwargs):
        found = super().clean(value, row=row, **kwargs)
        wanted = {s.strip() for s in str(value or "").split(self.separator) if s.strip()}
        unknown = sorted(wanted - {getattr(obj, self.field) for obj in found})
        if unknown:
            raise ValueError(f"Unknown {self.model._meta.verbose_name}(s): {', '.join(unknown)}.")
        return found


class RubricCellField(fields.Field):
    """One language of a rubric level's label or anchor.

    Imported cells are kept on the question (`_rubric_cells`) and written
    after it is saved, by `QuestionResource.after_save_instance`.
    """

    def __init__(self, score: int, part: str, language: str):
        self.score, self.part, self.language = score, part, language
        column = rubric_column(score, part, language)
        super().__init__(attribute=column, column_name=column, widget=widgets.CharWidget())

    def get_value(self, instance):
        return rubric_cells(instance).get((self.score, self.part, self.language), "")

    def save(self, instance, row, is_m2m=False, **kwargs):
        value = self.clean(row, **kwargs) or ""
        rubric_cells(instance)[(self.score, self.part, self.language)] = value.strip()


def rubric_cells(question: Question) -> dict:
    """The question's rubric texts by (score, part, language), read once and then kept."""
    cells = getattr(question, "_rubric_cells", None)
    if cells is None:
        cells = {}
        if question.pk is not None:
            for level in question.rubric_levels.all():
                for part in RUBRIC_PARTS:
                    for language in LANGUAGES:
                        value = getattr(level, f"{part}_{language}") or ""
                        cells[(level.score, part, language)] = value
        question._rubric_cells = cells
    return cells


class QuestionResource(resources.ModelResource):
    competency = fields.Field(
        attribute="competency",
        column_name="competency",
        widget=SlugWidget(Competency, field="slug"),
    )
    levels = fields.Field(attribute="levels", column_name="levels", widget=LevelsWidget())
    roles = fields.Field(
        attribute="roles",
        column_name="roles",
        widget=SlugListWidget(Role, field="slug", separator=","),
    )

    class Meta:
        model = Question
        import_id_fields = ["code"]
        fields = QUESTION_COLUMNS
        export_order = [*QUESTION_COLUMNS, *RUBRIC_COLUMNS]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for score in SCORES:
            for part in RUBRIC_PARTS:
                for language in LANGUAGES:
                    field = RubricCellField(score, part, language)
                    self.fields[field.column_name] = field

    def import_data(self, dataset, dry_run=False, **kwargs):
        """All or nothing: one invalid row (bad cell) and no row is written."""
        with transaction.atomic():
            result = super().import_data(dataset, dry_run=dry_run, **kwargs)
            if result.has_errors() or result.has_validation_errors():
                transaction.set_rollback(True)
        return result

    def get_queryset(self):
        return Question.objects.select_related("competency").prefetch_related(
            "roles", "rubric_levels"
        )

    def get_import_fields(self):
        # Columns missing from a file (a partial sheet) are left alone.
        columns = getattr(self, "_columns", None)
        fields = super().get_import_fields()
        return fields if columns is None else [f for f in fields if f.column_name in columns]

    def before_import(self, dataset, **kwargs):
        self._columns = set(dataset.headers or [])
        missing = {"code"} - self._columns
        if missing:
            raise ValidationError(f"The file has no {', '.join(sorted(missing))} column.")

    def import_instance(self, instance, row, **kwargs):
        # Many-to-many cells are only written after the save; check them now so an
        # unknown role is reported against its cell like every other mistake.
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        roles = self.fields["roles"]
        if roles.column_name in row:
            try:
                roles.clean(row)
            except ValueError as exc:
                errors["roles"] = [str(exc)]
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged rows are skipped; an empty cell equals a translation never written."""
        if import_validation_errors or original is None or original.pk is None:
            return False
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget):
                new = sorted(obj.pk for obj in field.clean(row))
                old = sorted(obj.pk for obj in field.get_value(original).all())
                if new != old:
                    return False
            elif (field.get_value(instance) or "") != (field.get_value(original) or ""):
                return False
        return True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        errors.update(self.rubric_errors(instance))
        super().validate_instance(instance, errors, validate_unique)

    def rubric_errors(self, instance) -> dict:
        if not getattr(self, "_columns", set()) & set(RUBRIC_COLUMNS):
            return {}
        cells = rubric_cells(instance)
        filled = {score for (score, _part, _lang), value in cells.items() if value}
        if not filled:
            return {}
        errors = {}
        for score in SCORES:
            for part in RUBRIC_PARTS:
                column = rubric_column(score, part, "en")
                if not cells.get((score, part, "en")):
                    errors[column] = [
                        "A question's own rubric needs all five levels with English label "
                        "and anchor (or leave every rubric cell empty)."
                    ]
        return errors

    def after_save_instance(self, instance, row, **kwargs):
        if not getattr(self, "_columns", set()) & set(RUBRIC_COLUMNS):
            return
        cells = rubric_cells(instance)
        existing = {level.score: level for level in RubricLevel.objects.filter(question=instance)}
        if not any(cells.values()):
            RubricLevel.objects.filter(question=instance).delete()
            return
        for score in SCORES:
            level = existing.get(score) or RubricLevel(question=instance, score=score)
            for part in RUBRIC_PARTS:
                for language in LANGUAGES:
                    setattr(level, f"{part}_{language}", cells.get((score, part, language), ""))
            level.save()
