"""The question bank: competencies, roles, questions, rubrics, kit templates and kits.

Every text a reader sees is translated with django-modeltranslation (see
translation.py): each such field has one column per language (`text_en`,
`text_nl`, `text_de`, `text_it`) and reading `text` gives the active
language, falling back to English.
"""

import random
import uuid

import uuid6
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fastjson import JSONEncoder

MIN_SCORE = 1
MAX_SCORE = 5
SHUFFLE_KEY_RANGE = 2**31


def random_shuffle_key() -> int:
    return random.randrange(SHUFFLE_KEY_RANGE)


class Level(models.TextChoices):
    ENTRY = "entry", _("Entry")
    MID = "mid", _("Mid")
    SENIOR = "senior", _("Senior")


class BankVersion(models.Model):
    """One row whose random token is replaced with every change to the bank's content.

    Kit assembly keeps a copy of what it reads in each process (see
    bank_cache.py) and compares this token on every use: a change anywhere
    (the admin, the API, an import, another server) makes every copy stale.
    A random token rather than a counter, so that a database restored or
    flushed never repeats a token a process has seen.
    """

    token = models.UUIDField(default=uuid.uuid4)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bank version")

    def __str__(self):
        return f"{self.token} ({self.changed_at:%Y-%m-%d %H:%M:%S})"


def _bumped_in_this_transaction():
    """A marker in the transaction's on-commit list: its token is already new."""


def bank_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Replace the bank's token, in the transaction of the change.

    Inside a transaction once is enough: the token and the changes become
    visible together at commit. The marker left in the on-commit list goes
    with a rolled-back savepoint, so a change after that bumps again. This
    process's own copy is dropped on every change, since it can read its
    transaction's uncommitted changes.
    """
    from . import bank_cache  # the cache reads this module's models

    bank_cache.forget()
    connection = connections[using]
    if connection.in_atomic_block:
        if any(func is _bumped_in_this_transaction for _, func, _ in connection.run_on_commit):
            return
        transaction.on_commit(_bumped_in_this_transaction, using=using)
    manager = BankVersion.objects.db_manager(using)
    token = uuid.uuid4()
    if manager.filter(pk=1).update(token=token, changed_at=timezone.now()):
        return
    try:
        with transaction.atomic(using=using):
            manager.create(pk=1, token=token)
    except IntegrityError:  # created meanwhile by another change
        manager.filter(pk=1).update(token=token, changed_at=timezone.now())


class ContentQuerySet(models.QuerySet):
    """Bulk writes that send no signals still mark the bank changed, in their transaction.

    Saving and deleting rows send signals, which bank_cache.py turns into
    `bank_changed()`; `update()`, `bulk_create()` and `bulk_update()` send none.
    """

    def _marking_changed(self, write, *args, **kwargs):
        with transaction.atomic(using=self.db):
            result = write(*args, **kwargs)
            if result:  # rows updated, or objects created
                bank_changed(self.db)
        return result

    def update(self, **kwargs):
        return self._marking_changed(super().update, **kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        return self._marking_changed(super().bulk_create, objs, *args, **kwargs)

    def bulk_update(self, objs, *args, **kwargs):
        return self._marking_changed(super().bulk_update, objs, *args, **kwargs)


class ContentManager(models.Manager.from_queryset(ContentQuerySet)):
    pass


class SlugManager(ContentManager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Competency(models.Model):
    class Category(models.TextChoices):
        INTERPERSONAL = "interpersonal", _("Interpersonal")
        TECHNICAL = "technical", _("Technical")
        COMMERCIAL = "commercial", _("Commercial")
        LEADERSHIP = "leadership", _("Leadership")
        OPERATIONAL = "operational", _("Operational")

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)

    objects = SlugManager()

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = _("competencies")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Role(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=160)
    family = models.SlugField(
        _("family"),
        max_length=80,
        default="contact-centre",
        help_text=_("Job family, e.g. contact-centre."),
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    summary = models.TextField(_("summary"), blank=True)
    competencies = models.ManyToManyField(
        Competency, through="RoleCompetency", related_name="roles", verbose_name=_("competencies")
    )

    objects = SlugManager()

    class Meta:
        ordering = ["family", "slug"]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)


class RoleCompetencyManager(ContentManager):
    def get_by_natural_key(self, role_slug, competency_slug):
        return self.get(role__slug=role_slug, competency__slug=competency_slug)


class RoleCompetency(models.Model):
    """How much a competency matters for a role: kits cover competencies by weight."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="role_competencies")
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="role_competencies"
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Importance for the role, 1 (nice to have) to 5 (critical)."),
    )
    essential = models.BooleanField(
        _("essential"), default=False, help_text=_("Every interview for the role must cover it.")
    )

    objects = RoleCompetencyManager()

    class Meta:
        ordering = ["role", "-weight", "competency__slug"]
        verbose_name = _("role competency")
        verbose_name_plural = _("role competencies")
        constraints = [
            models.UniqueConstraint(fields=["role", "competency"], name="unique_role_competency"),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=5), name="role_competency_weight_1_5"
            ),
        ]

    def __str__(self):
        return f"{self.role.slug} / {self.competency.slug} ({self.weight})"

    def natural_key(self):
        return (self.role.slug, self.competency.slug)

    natural_key.dependencies = ["questionbank.role", "questionbank.competency"]


class QuestionQuerySet(ContentQuerySet):
    def active(self):
        return self.filter(status=Question.Status.ACTIVE)

    def for_level(self, level):
        return self.filter(**{f"for_{level}": True})

    def suitable_for(self, role):
        """Questions that suit the role: its level, and either no role restriction or this role."""
        links = Question.roles.through.objects.filter(question=OuterRef("pk"))
        return self.for_level(role.level).filter(~Exists(links) | Exists(links.filter(role=role)))

    def with_rubrics(self):
        return self.select_related("competency").prefetch_related(
            "rubric_levels", "competency__rubric_levels", "roles"
        )


class CodeManager(ContentManager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class QuestionManager(CodeManager.from_queryset(QuestionQuerySet)):
    pass


class Question(models.Model):
    class Type(models.TextChoices):
        BEHAVIOURAL = "behavioural", _("Behavioural")
        SITUATIONAL = "situational", _("Situational")
        KNOWLEDGE = "knowledge", _("Knowledge / technical")
        MOTIVATIONAL = "motivational", _("Motivational")
        SCREENING = "screening", _("Screening")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    code = models.SlugField(
        _("code"),
        max_length=80,
        unique=True,
        help_text=_("Stable identifier, e.g. empathy-03. Used by imports and the content pack."),
    )
    # Indexed by question_competency_code (competency first).
    competency = models.ForeignKey(
        Competency,
        on_delete=models.PROTECT,
        related_name="questions",
        verbose_name=_("competency"),
        db_index=False,
    )
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    # Which role levels the question suits. Three flags rather than a
    # many-to-many so that "active questions for mid-level roles" is a single
    # indexed column test, not a join.
    for_entry = models.BooleanField(_("entry level"), default=False)
    for_mid = models.BooleanField(_("mid level"), default=False)
    for_senior = models.BooleanField(_("senior level"), default=False)
    roles = models.ManyToManyField(
        Role,
        blank=True,
        related_name="questions",
        verbose_name=_("only for roles"),
        help_text=_("Leave empty to suit every role of the chosen levels."),
    )
    expected_minutes = models.PositiveSmallIntegerField(
        _("expected minutes"), default=5, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    text = models.TextField(_("question"))
    probes = models.TextField(_("follow-up probes"), blank=True, help_text=_("One probe per line."))
    guidance = models.TextField(_("what to listen for"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)
    # Optimistic lock: every save increments it; a save from a form opened at
    # an older version is refused instead of overwriting someone's change.
    version = models.PositiveIntegerField(default=1, editable=False)
    # A random position in a deck shuffled once: kit assembly reads a seeded
    # window of it through an index, whatever the size of the bank.
    shuffle_key = models.PositiveIntegerField(default=random_shuffle_key, editable=False)

    objects = QuestionManager()

    class Meta:
        ordering = ["competency__slug", "code"]
        indexes = [
            # The API's and kit assembly's filters: active questions of a
            # competency, of a type, for a role level.
            models.Index(fields=["status", "competency"], name="question_status_competency"),
            models.Index(fields=["status", "type"], name="question_status_type"),
            models.Index(fields=["status", "for_entry"], name="question_status_entry"),
            models.Index(fields=["status", "for_mid"], name="question_status_mid"),
            models.Index(fields=["status", "for_senior"], name="question_status_senior"),
            # The question list's order (competency, code): its page of ids is sorted from
            # this index alone, not from rows with every language's texts.
            models.Index(fields=["competency", "code"], name="question_competency_code"),
            # Kit assembly: a competency's active questions from a point of the shuffled deck.
            models.Index(
                fields=["competency", "status", "shuffle_key"], name="question_shuffle_window"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(for_entry=True) | Q(for_mid=True) | Q(for_senior=True),
                name="question_suits_a_level",
                violation_error_message=_("Choose at least one role level the question suits."),
            ),
            models.CheckConstraint(
                condition=Q(expected_minutes__gte=1, expected_minutes__lte=60),
                name="question_minutes_1_60",
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.text[:60]}"

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        if self.pk is not None:
            self.version += 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at", "version"}
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.code,)

    @property
    def levels(self) -> list[str]:
        return [level for level in Level.values if getattr(self, f"for_{level}")]

    @levels.setter
    def levels(self, levels: list[str]) -> None:
        for level in Level.values:
            setattr(self, f"for_{level}", level in levels)

    @property
    def probe_list(self) -> list[str]:
        return [line.strip() for line in self.probes.splitlines() if line.strip()]

    def effective_rubric(self) -> list["RubricLevelBase"]:
        """The rubric to score the question with: its own levels, else its competency's default.

        Reads `rubric_levels` and `competency.rubric_levels`: prefetch both
        (see `with_rubrics()`) or this costs two queries per question.
        """
        own = list(self.rubric_levels.all())
        return own or list(self.competency.rubric_levels.all())


class RubricLevelBase(models.Model):
    """One step of a behaviourally anchored rating scale."""

    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(MIN_SCORE), MaxValueValidator(MAX_SCORE)]
    )
    label = models.CharField(_("label"), max_length=80)
    anchor = models.TextField(
        _("behavioural anchor"), help_text=_("What an answer at this score sounds like.")
    )

    class Meta:
        abstract = True
        ordering = ["score"]

    def __str__(self):
        return f"{self.score} - {self.label}"


class RubricLevelManager(ContentManager):
    def get_by_natural_key(self, code, score):
        return self.get(question__code=code, score=score)


class RubricLevel(RubricLevelBase):
    """A question's own rubric level; wins over its competency's default rubric."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="rubric_levels")

    objects = RubricLevelManager()

    class Meta(RubricLevelBase.Meta):
        verbose_name = _("rubric level")
        constraints = [
            models.UniqueConstraint(fields=["question", "score"], name="unique_question_score"),
            models.CheckConstraint(
                condition=Q(score__gte=MIN_SCORE, score__lte=MAX_SCORE),
                name="rubric_level_score_1_5",
            ),
        ]

    def natural_key(self):
        return (self.question.code, self.score)

    natural_key.dependencies = ["questionbank.question"]


class CompetencyRubricLevelManager(ContentManager):
    def get_by_natural_key(self, slug, score):
        return self.get(competency__slug=slug, score=score)


class CompetencyRubricLevel(RubricLevelBase):
    """A level of the competency's default rubric, for questions without their own."""

    competency = models.ForeignKey(
        Competency, on_delete=models.CASCADE, related_name="rubric_levels"
    )

    objects = CompetencyRubricLevelManager()

    class Meta(RubricLevelBase.Meta):
        verbose_name = _("default rubric level")
        constraints = [
            models.UniqueConstraint(fields=["competency", "score"], name="unique_competency_score"),
            models.CheckConstraint(
                condition=Q(score__gte=MIN_SCORE, score__lte=MAX_SCORE),
                name="competency_rubric_level_score_1_5",
            ),
        ]

    def natural_key(self):
        return (self.competency.slug, self.score)

    natural_key.dependencies = ["questionbank.competency"]


class Stage(models.TextChoices):
    PHONE_SCREEN = "phone_screen", _("Phone screen")
    FIRST_INTERVIEW = "first_interview", _("First interview")
    FINAL = "final", _("Final / panel interview")


class KitTemplateManager(ContentManager):
    def get_by_natural_key(self, role_slug, stage):
        return self.get(role__slug=role_slug, stage=stage)


class KitTemplate(models.Model):
    """An interview plan for one role and stage: what a kit for it should contain."""

    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="kit_templates", verbose_name=_("role")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    time_budget_minutes = models.PositiveSmallIntegerField(
        _("time budget (minutes)"),
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text=_("Time for the questions, excluding introduction and candidate questions."),
    )
    competencies = models.ManyToManyField(
        Competency,
        blank=True,
        related_name="kit_templates",
        verbose_name=_("competencies to cover"),
        help_text=_("Leave empty to cover all the role's competencies, most important first."),
    )
    questions_per_competency = models.PositiveSmallIntegerField(
        _("questions per competency"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    question_types = models.JSONField(
        _("question types"),
        default=list,
        blank=True,
        help_text=_(
            "Types to draw from and balance, e.g. behavioural, situational. "
            "Empty: all but screening."
        ),
    )
    include_screening = models.BooleanField(
        _("include screening questions"),
        default=False,
        help_text=_("Open the kit with the role's screening questions."),
    )

    objects = KitTemplateManager()

    class Meta:
        ordering = ["role__slug", "stage"]
        verbose_name = _("kit template")
        constraints = [
            models.UniqueConstraint(fields=["role", "stage"], name="unique_kit_template_per_stage"),
            models.CheckConstraint(
                condition=Q(time_budget_minutes__gte=5, time_budget_minutes__lte=240),
                name="kit_template_budget_5_240",
            ),
            models.CheckConstraint(
                condition=Q(questions_per_competency__gte=1, questions_per_competency__lte=10),
                name="kit_template_per_competency_1_10",
            ),
        ]

    def __str__(self):
        return f"{self.role} / {self.get_stage_display()}"

    def natural_key(self):
        return (self.role.slug, self.stage)

    natural_key.dependencies = ["questionbank.role"]

    def clean(self):
        unknown = sorted(set(self.question_types) - set(Question.Type.values))
        if unknown:
            raise ValidationError(
                {"question_types": _("Unknown question types: %s.") % ", ".join(unknown)}
            )


def new_kit_id() -> uuid.UUID:
    """A new kit's id: a UUID version 7 (RFC 9562), its first 48 bits the time in milliseconds.

    Ids in creation order: a new kit's entries go at the end of the indexes keyed by it (the
    primary key, the links' `kit_question_once`, and those of the creator and the template,
    where the id follows one value) instead of anywhere in them. A random id (version 4)
    dirtied a different page of each of those indexes for every kit stored, all of which the
    next checkpoint wrote to disk again (POST /api/v1/kits/ +4 % on SQLite and +7 % on
    PostgreSQL, in interleaved runs on a 100k bank). The id tells when the kit was made,
    which its `created_at` says anyway; its 74 random bits keep it unguessable. Kits stored
    before keep their version 4 ids.
    """
    return uuid.UUID(int=uuid6.uuid7().int)


class Kit(models.Model):
    """An assembled interview kit: an immutable snapshot of questions and rubrics.

    `content` holds everything an interviewer reads, copied at assembly, so
    later edits to the bank never change an issued kit. `questions` links
    the bank's questions (protected from deletion) so later rounds can
    exclude them.
    """

    id = models.UUIDField(primary_key=True, default=new_kit_id, editable=False)
    # Indexed by kit_role_created (role first): one index less to write per kit.
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="kits", db_index=False)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    template = models.ForeignKey(
        KitTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="kits"
    )
    language = models.CharField(_("language"), max_length=5)
    seed = models.BigIntegerField(_("seed"))
    # Encoded with orjson: a snapshot is encoded on every kit created (see fastjson.py).
    parameters = models.JSONField(
        _("parameters"), help_text=_("The request, as resolved."), encoder=JSONEncoder
    )
    content = models.JSONField(_("content"), encoder=JSONEncoder)
    warnings = models.JSONField(_("warnings"), default=list, encoder=JSONEncoder)
    total_minutes = models.PositiveIntegerField(_("total minutes"))
    questions = models.ManyToManyField(Question, through="KitQuestion", related_name="kits")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            # The kit list (and the admin's), newest first, in the list's whole order (the id
            # breaks ties): without it a page sorts every kit, snapshots included, and a
            # page deep in the list reads every kit before it. Then its filters, in order.
            models.Index(fields=["-created_at", "id"], name="kit_created"),
            models.Index(fields=["role", "-created_at", "id"], name="kit_role_created"),
            models.Index(fields=["stage", "-created_at", "id"], name="kit_stage_created"),
        ]

    def __str__(self):
        return f"{self.role.slug} {self.stage} {self.created_at:%Y-%m-%d} ({self.pk})"


class KitQuestion(models.Model):
    # Indexed by kit_question_once (kit first).
    kit = models.ForeignKey(
        Kit, on_delete=models.CASCADE, related_name="kit_questions", db_index=False
    )
    # Not indexed: nothing looks links up by question. Questions are retired, never deleted
    # (the admin and the API offer no delete), so the one reader would be the check that
    # refuses deleting a question a kit uses, a scan once in a long while. An index would
    # put twelve random pages into every kit stored (a kit's links are spread across the
    # bank): on SQLite a third of the pages a new kit writes, and a tenth of POST
    # /api/v1/kits/'s throughput.
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="kit_questions", db_index=False
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["kit", "position"]
        constraints = [
            models.UniqueConstraint(fields=["kit", "question"], name="kit_question_once"),
        ]

    def __str__(self):
        return f"{self.kit_id} #{self.position}: {self.question_id}"


class ScreeningQuestion(models.Model):
    """A closed question asked before interviews, with a typed answer and a knockout rule."""

    class AnswerType(models.TextChoices):
        YES_NO = "yes_no", _("Yes / no")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        NUMBER = "number", _("Number")

    class Rule(models.TextChoices):
        NONE = "none", _("No rule")
        MUST_BE_YES = "must_be_yes", _("Must be yes")
        AT_LEAST = "at_least", _("At least N")
        ONE_OF = "one_of", _("One of the accepted options")
        MUST_INCLUDE = "must_include", _("Must include every accepted option")

    # Which rules make sense for which answer type.
    RULES_BY_TYPE = {
        AnswerType.YES_NO: {Rule.NONE, Rule.MUST_BE_YES},
        AnswerType.NUMBER: {Rule.NONE, Rule.AT_LEAST},
        AnswerType.SINGLE_CHOICE: {Rule.NONE, Rule.ONE_OF},
        AnswerType.MULTIPLE_CHOICE: {Rule.NONE, Rule.ONE_OF, Rule.MUST_INCLUDE},
    }

    code = models.SlugField(_("code"), max_length=80, unique=True)
    text = models.TextField(_("question"))
    help = models.TextField(_("help for the applicant"), blank=True)
    answer_type = models.CharField(_("answer type"), max_length=20, choices=AnswerType.choices)
    unit = models.CharField(_("unit"), max_length=40, blank=True, help_text=_("e.g. months"))
    min_value = models.IntegerField(_("lowest valid answer"), null=True, blank=True)
    max_value = models.IntegerField(_("highest valid answer"), null=True, blank=True)
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices, default=Rule.NONE)
    rule_value = models.IntegerField(
        _("threshold"), null=True, blank=True, help_text=_("N for “at least N”.")
    )

    objects = CodeManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("screening question")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lt=F("max_value")),
                name="screening_min_below_max",
            ),
            models.CheckConstraint(
                condition=~Q(rule="at_least") | Q(rule_value__isnull=False),
                name="screening_at_least_has_threshold",
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.text[:60]}"

    def natural_key(self):
        return (self.code,)

    def clean(self):
        errors = {}
        if self.rule not in self.RULES_BY_TYPE.get(self.answer_type, set()):
            errors["rule"] = _("This rule does not apply to this answer type.")
        number = self.answer_type == self.AnswerType.NUMBER
        if number and (self.min_value is None or self.max_value is None):
            errors["max_value"] = _("A number answer needs its lowest and highest valid value.")
        if self.rule == self.Rule.AT_LEAST and self.rule_value is None:
            errors["rule_value"] = _("“At least N” needs N.")
        if errors:
            raise ValidationError(errors)


class ScreeningOptionManager(ContentManager):
    def get_by_natural_key(self, code, value):
        return self.get(question__code=code, value=value)


class ScreeningOption(models.Model):
    question = models.ForeignKey(
        ScreeningQuestion, on_delete=models.CASCADE, related_name="options"
    )
    value = models.SlugField(_("value"), max_length=60, help_text=_("What the API sends."))
    label = models.CharField(_("label"), max_length=200)
    accepted = models.BooleanField(
        _("accepted"),
        default=False,
        help_text=_("For “one of”: an accepted answer. For “must include”: a required one."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ScreeningOptionManager()

    class Meta:
        ordering = ["question", "position", "value"]
        verbose_name = _("option")
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="unique_screening_option"),
        ]

    def __str__(self):
        return self.label

    def natural_key(self):
        return (self.question.code, self.value)

    natural_key.dependencies = ["questionbank.screeningquestion"]


class RoleScreeningQuestionManager(ContentManager):
    def get_by_natural_key(self, role_slug, code):
        return self.get(role__slug=role_slug, question__code=code)


class RoleScreeningQuestion(models.Model):
    """A question in a role's screening questionnaire: its place, and whether it knocks out."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="screening_items")
    question = models.ForeignKey(
        ScreeningQuestion, on_delete=models.PROTECT, related_name="role_items"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    knockout = models.BooleanField(
        _("knockout"), default=False, help_text=_("Failing the rule fails the screening.")
    )
    required = models.BooleanField(_("required"), default=True)
    rule_value = models.IntegerField(
        _("threshold for this role"),
        null=True,
        blank=True,
        help_text=_("Overrides the question's N for “at least N”."),
    )

    objects = RoleScreeningQuestionManager()

    class Meta:
        ordering = ["role", "position", "id"]
        verbose_name = _("screening questionnaire item")
        constraints = [
            models.UniqueConstraint(fields=["role", "question"], name="unique_role_screening"),
        ]

    def __str__(self):
        return f"{self.role.slug} #{self.position}: {self.question.code}"

    def natural_key(self):
        return (self.role.slug, self.question.code)

    natural_key.dependencies = ["questionbank.role", "questionbank.screeningquestion"]

    @property
    def threshold(self) -> int | None:
        return self.rule_value if self.rule_value is not None else self.question.rule_value

    def clean(self):
        if not self.question_id:
            return
        if self.knockout and self.question.rule == ScreeningQuestion.Rule.NONE:
            raise ValidationError({"knockout": _("A question without a rule cannot knock out.")})


class AuditEvent(models.Model):
    """Who changed what, when: API writes and API tokens (see questionbank/audit.py).

    Field-level changes to questions live in their history as well; this is
    the one list of writes an operator reads, kept even if the user is deleted.
    """

    class Via(models.TextChoices):
        API = "api", _("API")
        ADMIN = "admin", _("Admin")
        SYSTEM = "system", _("Command or system")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_name = models.CharField(_("who (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target = models.CharField(_("what"), max_length=200)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name or '-'} {self.action} {self.target}"
