"""Thin serializers: output shapes for reading, input shapes for writing.

Reading: translated texts come in the request's language (see language.py)
with English as the per-field fallback; every translated object carries
`fallbacks`, the names of its fields that fell back to English.

Writing: translated texts are written in the request's language (`?lang=`,
English by default), so adding a Dutch translation is a PATCH with
`?lang=nl`. The service functions in questionbank/questions.py do the work.
"""

from rest_framework import serializers

from questionbank.languages import DEFAULT_LANGUAGE, translated
from questionbank.models import (
    MAX_SCORE,
    MIN_SCORE,
    Competency,
    Level,
    Question,
    Role,
    RoleCompetency,
    RubricLevel,
)

MAX_TEXT = 2000
MAX_PROBE = 500
MAX_PROBES = 10


def language_of(context) -> str:
    return context.get("language", DEFAULT_LANGUAGE)


class TranslatedField(serializers.CharField):
    """A translated model text in the request's language, falling back to English."""

    def get_attribute(self, instance):
        return translated(instance, self.source, language_of(self.context))[0]


class TranslatedLinesField(serializers.ListField):
    """A translated text stored one item per line (follow-up probes), as a list."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(), **kwargs)

    def get_attribute(self, instance):
        text = translated(instance, self.source, language_of(self.context))[0]
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
