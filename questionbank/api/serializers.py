"""Thin serializers: output shapes for reading, input shapes for writing.

Reading: translated texts come in the request's language (see language.py)
with English as the per-field fallback; every translated object carries
`fallbacks`, the names of its fields that fell back to English.

Writing: translated texts are written in the request's language (`?lang=`,
English by default), so adding a Dutch translation is a PATCH with
`?lang=nl`. The service functions in questionbank/questions.py do the work.
"""

import functools

from rest_framework import relations, serializers

from questionbank import kits
from questionbank.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, translated
from questionbank.models import (
    MAX_SCORE,
    MIN_SCORE,
    Competency,
    Kit,
    Level,
    Question,
    Role,
    RoleCompetency,
    RubricLevel,
    ScreeningQuestion,
    Stage,
)

MAX_TEXT = 2000
MAX_PROBE = 500
MAX_PROBES = 10


def language_of(context) -> str:
    return context.get("language", DEFAULT_LANGUAGE)


def translated_source(instance, source: str, language: str) -> str:
    """The text at `source` (a field name, or a dotted path such as `competency.name`)."""
    *path, field = source.split(".")
    for name in path:
        instance = getattr(instance, name)
    return translated(instance, field, language)[0]


class TranslatedField(serializers.CharField):
    """A translated model text in the request's language, falling back to English."""

    def get_attribute(self, instance):
        return translated_source(instance, self.source, language_of(self.context))


class TranslatedLinesField(serializers.ListField):
    """A translated text stored one item per line (follow-up probes), as a list."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(), **kwargs)

    def get_attribute(self, instance):
        text = translated_source(instance, self.source, language_of(self.context))
        return [line.strip() for line in text.splitlines() if line.strip()]


class FallbacksField(serializers.ListField):
    """Names of the object's translated fields shown in English for want of a translation."""

    def __init__(self, fields: tuple[str, ...], **kwargs):
        self.translated_fields = fields
        kwargs.setdefault("source", "*")
        super().__init__(child=serializers.CharField(), read_only=True, **kwargs)

    def to_representation(self, instance):
        language = language_of(self.context)
        return [f for f in self.translated_fields if translated(instance, f, language)[1]]


class RubricLevelSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=MIN_SCORE, max_value=MAX_SCORE)
    label = TranslatedField()
    anchor = TranslatedField(help_text="What an answer at this score sounds like.")
    fallbacks = FallbacksField(("label", "anchor"))


class CompetencyRefSerializer(serializers.ModelSerializer):
    name = TranslatedField()
    fallbacks = FallbacksField(("name",))

    class Meta:
        model = Competency
        fields = ["slug", "name", "category", "fallbacks"]


class CompetencySerializer(serializers.ModelSerializer):
    name = TranslatedField()
    description = TranslatedField()
    default_rubric = RubricLevelSerializer(source="rubric_levels", many=True, read_only=True)
    fallbacks = FallbacksField(("name", "description"))

    class Meta:
        model = Competency
        fields = ["slug", "name", "description", "category", "default_rubric", "fallbacks"]


class RoleCompetencySerializer(serializers.ModelSerializer):
    slug = serializers.CharField(source="competency.slug")
    name = TranslatedField(source="competency.name")
    category = serializers.CharField(source="competency.category")
    fallbacks = FallbacksField(("name",), source="competency")

    class Meta:
        model = RoleCompetency
        fields = ["slug", "name", "category", "weight", "essential", "fallbacks"]


class RoleSerializer(serializers.ModelSerializer):
    title = TranslatedField()
    summary = TranslatedField()
    competencies = RoleCompetencySerializer(source="role_competencies", many=True, read_only=True)
    fallbacks = FallbacksField(("title", "summary"))

    class Meta:
        model = Role
        fields = ["slug", "title", "family", "level", "summary", "competencies", "fallbacks"]


class QuestionRubricSerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=["question", "competency"],
        help_text="`question` when the question has its own rubric, "
        "`competency` when its competency's default rubric applies.",
    )
    levels = RubricLevelSerializer(many=True)


class QuestionSerializer(serializers.ModelSerializer):
    competency = CompetencyRefSerializer(read_only=True)
    levels = serializers.ListField(child=serializers.ChoiceField(choices=Level.choices))
    roles = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    text = TranslatedField()
    probes = TranslatedLinesField()
    guidance = TranslatedField()
    rubric = serializers.SerializerMethodField()
    fallbacks = FallbacksField(("text", "probes", "guidance"))

    class Meta:
        model = Question
        fields = [
            "id",
            "code",
            "competency",
            "type",
            "levels",
            "roles",
            "expected_minutes",
            "status",
            "text",
            "probes",
            "guidance",
            "rubric",
            "fallbacks",
            "created_at",
            "updated_at",
        ]

    def get_rubric(self, question) -> QuestionRubricSerializer:
        # Reads prefetched rubric levels: no query per question.
        own = list(question.rubric_levels.all())
        levels = own or list(question.competency.rubric_levels.all())
        return {
            "source": "question" if own else "competency",
            "levels": RubricLevelSerializer(levels, many=True, context=self.context).data,
        }


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="The request field or query parameter at fault, dotted."
    )
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = ErrorItemSerializer(many=True)


# Input


def no_line_breaks(value: str) -> None:
    if "\n" in value or "\r" in value:
        raise serializers.ValidationError("A probe is one line; send several probes as a list.")


class RubricLevelInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=MIN_SCORE, max_value=MAX_SCORE)
    label = serializers.CharField(max_length=RubricLevel._meta.get_field("label").max_length)
    anchor = serializers.CharField(max_length=MAX_TEXT)


class QuestionInputSerializer(serializers.Serializer):
    """A question as written: texts in the request's language."""

    code = serializers.SlugField(max_length=80)
    competency = serializers.SlugRelatedField(slug_field="slug", queryset=Competency.objects.all())
    type = serializers.ChoiceField(choices=Question.Type.choices)
    levels = serializers.MultipleChoiceField(choices=Level.choices, allow_empty=False)
    roles = serializers.SlugRelatedField(
        slug_field="slug", queryset=Role.objects.all(), many=True, required=False
    )
    expected_minutes = serializers.IntegerField(min_value=1, max_value=60)
    status = serializers.ChoiceField(choices=Question.Status.choices, required=False)
    text = serializers.CharField(max_length=MAX_TEXT)
    probes = serializers.ListField(
        child=serializers.CharField(max_length=MAX_PROBE, validators=[no_line_breaks]),
        max_length=MAX_PROBES,
        required=False,
    )
    guidance = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, required=False)
    rubric_levels = RubricLevelInputSerializer(
        many=True,
        required=False,
        max_length=MAX_SCORE,
        help_text="Levels to create or update, matched by score. A question's own rubric has "
        "all five scores or none (then its competency's default applies).",
    )

    def validate_rubric_levels(self, levels):
        scores = [level["score"] for level in levels]
        duplicates = sorted({s for s in scores if scores.count(s) > 1})
        if duplicates:
            raise serializers.ValidationError(f"Score {duplicates[0]} is given more than once.")
        return levels


# Kits

MAX_EXCLUDED_QUESTIONS = 500
MAX_EXCLUDED_KITS = 20
MAX_COMPETENCIES = 20


class BankRoleField(serializers.SlugRelatedField):
    """A role by slug, read through the bank cache given in the context as `bank`, if any."""

    def to_internal_value(self, data):
        bank = self.context.get("bank")
        if bank is None:
            return super().to_internal_value(data)
        if not isinstance(data, str | int) or isinstance(data, bool):
            self.fail("invalid")
        role = bank.role(str(data))
        if role is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))
        return role


class CopiedFieldsMixin:
    """Fields copied, not deep-copied, from the class's declared ones, and for a JSON body only
    those that can take part: for a serializer on a hot path.

    DRF deep-copies every declared field for each serializer instance (their querysets, their
    choices, their validators), which cost more than a kit's assembly on POST /api/v1/kits/.
    The declared fields are unbound prototypes nobody changes; a shallow copy is bound to this
    serializer alone (binding sets the copy's own attributes). A many=True relation's child is
    copied too, and pointed at its new parent, so that it reads this serializer's context.

    Given a JSON object (a dict), the serializer gets the fields it names, the required ones
    and those with a default: DRF skips any other field that the data leaves out, so the
    result and the errors are the same, for a third of the work when a request names two of
    twelve fields. Without data (the OpenAPI schema, the allowed query parameters) or with a
    query string, every field is there.
    """

    def get_fields(self):
        data = getattr(self, "initial_data", None)
        named = data.keys() if type(data) is dict else None
        fields = {}
        for name, declared in self._declared_fields.items():
            if (
                named is not None
                and name not in named
                and not declared.required
                and declared.default is serializers.empty
            ):
                continue
            field = shallow_copy(declared)
            if isinstance(field, relations.ManyRelatedField):
                field.child_relation = shallow_copy(declared.child_relation)
                field.child_relation.parent = field
            fields[name] = field
        return fields


def shallow_copy(field):
    """`copy.copy(field)` for a field, whose state is its `__dict__`, in a quarter of the time
    (`copy.copy` goes through the pickle protocol)."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class KitRequestSerializer(CopiedFieldsMixin, serializers.Serializer):
    """What to assemble. Everything but role and stage defaults from the kit template."""

    role = BankRoleField(slug_field="slug", queryset=Role.objects.all())
    stage = serializers.ChoiceField(choices=Stage.choices)
    competencies = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Competency.objects.all(),
        many=True,
        required=False,
        help_text="Competencies to cover instead of the template's or the role's "
        f"(at most {MAX_COMPETENCIES}).",
    )
    questions_per_competency = serializers.IntegerField(
        min_value=1, max_value=kits.MAX_QUESTIONS_PER_COMPETENCY, required=False
    )
    time_budget_minutes = serializers.IntegerField(
        min_value=1, max_value=kits.MAX_BUDGET, required=False
    )
    question_types = serializers.MultipleChoiceField(
        choices=Question.Type.choices, required=False, allow_empty=False
    )
    language = serializers.ChoiceField(
        choices=SUPPORTED_LANGUAGES,
        required=False,
        help_text="The kit's language; defaults to the request's (`lang`, Accept-Language).",
    )
    seed = serializers.IntegerField(min_value=0, max_value=kits.MAX_SEED, required=False)
    exclude_questions = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Question.objects.all(),
        many=True,
        required=False,
        help_text=f"Question codes not to ask, e.g. asked in an earlier round "
        f"(at most {MAX_EXCLUDED_QUESTIONS}).",
    )
    exclude_kits = serializers.PrimaryKeyRelatedField(
        queryset=Kit.objects.all(),
        many=True,
        required=False,
        help_text="Earlier kits for the same candidate: none of their questions are asked again "
        f"(at most {MAX_EXCLUDED_KITS}).",
    )
    strict = serializers.BooleanField(
        default=False,
        help_text="Fail with 422 listing each shortfall instead of returning a kit with warnings.",
    )
    include_screening = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Open the kit with the role's screening questions (default: the template's "
        "choice, else no).",
    )

    def validate_competencies(self, value):
        if len(value) > MAX_COMPETENCIES:
            raise serializers.ValidationError(f"At most {MAX_COMPETENCIES} competencies.")
        return value

    def validate_exclude_questions(self, value):
        return at_most(value, MAX_EXCLUDED_QUESTIONS, "questions")

    def validate_exclude_kits(self, value):
        return at_most(value, MAX_EXCLUDED_KITS, "kits")


def at_most(items: list, limit: int, what: str) -> list:
    if len(items) > limit:
        raise serializers.ValidationError(f"At most {limit} {what} can be excluded.")
    return items


class KitPreviewQuerySerializer(KitRequestSerializer):
    """The kit-preview query: the role comes from the URL."""

    role = None
    competencies = serializers.CharField(
        required=False, help_text="Comma-separated competency slugs."
    )
    question_types = serializers.CharField(required=False, help_text="Comma-separated types.")
    exclude_questions = None
    exclude_kits = None


class KitWarningSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["not_enough_questions", "time_budget"])
    competency = serializers.CharField()
    requested = serializers.IntegerField()
    selected = serializers.IntegerField()
    message = serializers.CharField()


class KitRubricLevelSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    label = serializers.CharField()
    anchor = serializers.CharField()


class KitQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    type = serializers.ChoiceField(choices=Question.Type.choices)
    expected_minutes = serializers.IntegerField()
    text = serializers.CharField()
    probes = serializers.ListField(child=serializers.CharField())
    guidance = serializers.CharField()
    rubric_source = serializers.ChoiceField(choices=["question", "competency"])
    rubric = KitRubricLevelSerializer(many=True)


class KitSectionCompetencySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    weight = serializers.IntegerField()
    essential = serializers.BooleanField()


class KitSectionSerializer(serializers.Serializer):
    competency = KitSectionCompetencySerializer()
    minutes = serializers.IntegerField()
    questions = KitQuestionSerializer(many=True)


class ScoringRowSerializer(serializers.Serializer):
    competency = serializers.CharField()
    name = serializers.CharField()
    weight = serializers.IntegerField()
    questions = serializers.ListField(child=serializers.CharField())
    score = serializers.IntegerField(allow_null=True, help_text="For the interviewer: 1 to 5.")
    scale = serializers.ListField(child=serializers.IntegerField())


class KitRoleSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()


class KitScreeningItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    help = serializers.CharField()
    answer_type = serializers.ChoiceField(choices=ScreeningQuestion.AnswerType.choices)
    unit = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField())
    knockout = serializers.BooleanField()
    required = serializers.BooleanField()
    rule = serializers.CharField(help_text="The rule in words, in the kit's language.")


class KitPreviewSerializer(serializers.Serializer):
    """An assembled kit: sections per competency, the scoring sheet, warnings, fallbacks."""

    role = KitRoleSerializer()
    stage = serializers.ChoiceField(choices=Stage.choices)
    language = serializers.CharField()
    seed = serializers.IntegerField()
    parameters = serializers.DictField(help_text="The request as resolved, to reproduce the kit.")
    total_minutes = serializers.IntegerField()
    warnings = KitWarningSerializer(many=True)
    screening = KitScreeningItemSerializer(
        many=True, help_text="The role's screening questions, when the kit opens with them."
    )
    sections = KitSectionSerializer(many=True)
    scoring_sheet = ScoringRowSerializer(many=True)
    fallbacks = serializers.ListField(
        child=serializers.CharField(), help_text="Texts shown in English for want of a translation."
    )


class KitSerializer(KitPreviewSerializer):
    id = serializers.UUIDField()
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class KitSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    role = KitRoleSerializer()
    stage = serializers.ChoiceField(choices=Stage.choices)
    language = serializers.CharField()
    total_minutes = serializers.IntegerField()
    question_count = serializers.IntegerField()
    warning_count = serializers.IntegerField()
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


def preview_payload(assembled: kits.AssembledKit) -> dict:
    plan = assembled.plan
    return {
        "stage": plan.stage,
        "language": plan.language,
        "seed": plan.seed,
        "parameters": plan.parameters,
        "total_minutes": assembled.total_minutes,
        "warnings": assembled.warnings,
        **assembled.content(),
    }


def kit_payload(kit: Kit) -> dict:
    """A stored kit. Reads `kit.created_by`: select it with the kit."""
    return {
        "id": kit.pk,
        "stage": kit.stage,
        "language": kit.language,
        "seed": kit.seed,
        "parameters": kit.parameters,
        "total_minutes": kit.total_minutes,
        "warnings": kit.warnings,
        **kit.content,
        "created_by": kit.created_by.get_username() if kit.created_by else None,
        "created_at": kit.created_at,
    }


@functools.cache
def kit_shape() -> dict:
    """KitSerializer's fields, nested: the keys of a kit body and their order."""
    return field_shape(KitSerializer())


def field_shape(field):
    if isinstance(field, serializers.ListSerializer):
        return [field_shape(field.child)]
    if isinstance(field, serializers.Serializer):
        return {name: field_shape(child) for name, child in field.fields.items()}
    if isinstance(field, serializers.DictField):
        return dict  # free-form: keys sorted
    return None  # a plain value


def in_shape(value, shape):
    """The value with the shape's keys, in the shape's order, at every level."""
    if value is None or shape is None:
        return value
    if isinstance(shape, list):
        return [in_shape(item, shape[0]) for item in value]
    if shape is dict:
        return dict(sorted(value.items()))
    return {name: in_shape(value.get(name), inner) for name, inner in shape.items()}


def kit_body(kit: Kit) -> dict:
    """`KitSerializer(kit_payload(kit)).data`, without the serializer's cost per field.

    The snapshot is stored in the shape the API returns, so only the id and
    the time need converting, and the keys put in order: PostgreSQL's
    jsonb does not keep them in the order written, and a kit's body must be
    the same bytes when it is created and whenever it is fetched (tests hold
    this, and the body equal to the serializer's). Free-form `parameters`
    come with their keys sorted.
    """
    return in_shape(represented_payload(kit), kit_shape())


def new_kit_body(kit: Kit) -> dict:
    """`kit_body` of a kit just stored, whose snapshot is still the one assembly built.

    Assembly writes every level of the snapshot in the API's order, so only the top level
    and the free-form `parameters` need putting in order: the walk over every key that a kit
    read back from PostgreSQL needs is left out (tests hold the two bodies the same bytes).
    """
    payload = represented_payload(kit)
    payload["parameters"] = dict(sorted(kit.parameters.items()))
    return {name: payload[name] for name in kit_shape()}


def represented_payload(kit: Kit) -> dict:
    """`kit_payload` with the id and the time as the API writes them."""
    payload = kit_payload(kit)
    payload["id"] = str(kit.pk)
    payload["created_at"] = serializers.DateTimeField().to_representation(kit.created_at)
    return payload


def kit_summary(kit: Kit) -> dict:
    return {
        "id": kit.pk,
        "role": kit.content["role"],
        "stage": kit.stage,
        "language": kit.language,
        "total_minutes": kit.total_minutes,
        "question_count": sum(len(s["questions"]) for s in kit.content["sections"]),
        "warning_count": len(kit.warnings),
        "created_by": kit.created_by.get_username() if kit.created_by else None,
        "created_at": kit.created_at,
    }


# Screening


class ScreeningOptionSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class ScreeningRuleSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ScreeningQuestion.Rule.choices)
    threshold = serializers.IntegerField(allow_null=True, help_text="N for `at_least`.")
    accepted = serializers.ListField(
        child=serializers.CharField(),
        help_text="Option values accepted (`one_of`) or required (`must_include`).",
    )


class ScreeningItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    position = serializers.IntegerField()
    text = serializers.CharField()
    help = serializers.CharField()
    answer_type = serializers.ChoiceField(choices=ScreeningQuestion.AnswerType.choices)
    unit = serializers.CharField()
    min_value = serializers.IntegerField(allow_null=True)
    max_value = serializers.IntegerField(allow_null=True)
    options = ScreeningOptionSerializer(many=True)
    required = serializers.BooleanField()
    knockout = serializers.BooleanField()
    rule = ScreeningRuleSerializer()
    fallbacks = serializers.ListField(child=serializers.CharField())


class QuestionnaireSerializer(serializers.Serializer):
    role = KitRoleSerializer()
    language = serializers.CharField()
    questions = ScreeningItemSerializer(many=True)


class ScreeningAnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text="Question code → answer: true/false (yes_no), a whole number (number), an "
        "option value (single_choice), a list of option values (multiple_choice).",
    )


class ScreeningOutcomeSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["passed", "failed", "scored", "recorded", "unanswered"],
        help_text="Knockouts pass or fail; other questions with a rule are scored.",
    )
    knockout = serializers.BooleanField()
    met = serializers.BooleanField(allow_null=True)
    answer = serializers.JSONField(allow_null=True)
    reason = serializers.CharField(help_text="In the request's language.")


class ScreeningScoreSerializer(serializers.Serializer):
    met = serializers.IntegerField()
    of = serializers.IntegerField()


class ScreeningResultSerializer(serializers.Serializer):
    role = serializers.CharField()
    language = serializers.CharField()
    passed = serializers.BooleanField()
    knockouts_failed = serializers.ListField(child=serializers.CharField())
    score = ScreeningScoreSerializer()
    results = ScreeningOutcomeSerializer(many=True)


def questionnaire_payload(role: Role, items: list, language: str) -> dict:
    questions = []
    for item in items:
        question = item.question
        options = list(question.options.all())
        texts = {name: translated(question, name, language) for name in ("text", "help", "unit")}
        option_labels = [(o.value, *translated(o, "label", language)) for o in options]
        fallbacks = [name for name, (_value, fell_back) in texts.items() if fell_back]
        fallbacks += [f"options.{value}.label" for value, _label, fell in option_labels if fell]
        questions.append(
            {
                "code": question.code,
                "position": item.position,
                "text": texts["text"][0],
                "help": texts["help"][0],
                "answer_type": question.answer_type,
                "unit": texts["unit"][0],
                "min_value": question.min_value,
                "max_value": question.max_value,
                "options": [{"value": v, "label": label} for v, label, _fell in option_labels],
                "required": item.required,
                "knockout": item.knockout,
                "rule": {
                    "type": question.rule,
                    "threshold": item.threshold,
                    "accepted": [o.value for o in options if o.accepted],
                },
                "fallbacks": fallbacks,
            }
        )
    return {
        "role": {"slug": role.slug, "title": translated(role, "title", language)[0]},
        "language": language,
        "questions": questions,
    }
