"""OpenAPI documentation (drf-spectacular): shared parameters, error shapes, examples."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from questionbank.languages import SUPPORTED_LANGUAGES

from .serializers import (
    ErrorSerializer,
    KitPreviewQuerySerializer,
    KitPreviewSerializer,
    KitRequestSerializer,
    KitSerializer,
    KitSummarySerializer,
    KitWarningSerializer,
    QuestionInputSerializer,
    QuestionnaireSerializer,
    QuestionSerializer,
    ScreeningAnswersSerializer,
    ScreeningResultSerializer,
)

LANG_PARAMETER = OpenApiParameter(
    "lang",
    str,
    enum=SUPPORTED_LANGUAGES,
    description="Language of the texts (read) or of the texts written (write). Without it the "
    "Accept-Language header decides, then English. Texts missing in the language fall back to "
    "English and are listed in each object's `fallbacks`. Unsupported: 400.",
)

ERROR_EXAMPLE = OpenApiExample(
    "Unknown competency",
    value={
        "status": 400,
        "code": "invalid",
        "detail": "competency: Unknown competency: empaty.",
        "errors": [
            {
                "field": "competency",
                "code": "does_not_exist",
                "message": "Unknown competency: empaty.",
            }
        ],
    },
    response_only=True,
    status_codes=["400"],
)

QUESTION_EXAMPLE = OpenApiExample(
    "A behavioural question with its own rubric",
    value={
        "code": "empathy-42",
        "competency": "empathy",
        "type": "behavioural",
        "levels": ["entry"],
        "roles": [],
        "expected_minutes": 5,
        "status": "draft",
        "text": "Tell me about a customer who was upset about something you could not change.",
        "probes": ["What did you say first?", "How did the call end?"],
        "guidance": "Listen for acknowledgement of the feeling before the facts.",
        "rubric_levels": [
            {"score": s, "label": label, "anchor": f"What a {s} answer sounds like."}
            for s, label in enumerate(["Poor", "Weak", "Competent", "Strong", "Outstanding"], 1)
        ],
    },
    request_only=True,
)


class BankAutoSchema(AutoSchema):
    """Adds the `lang` parameter and the shared error responses to every operation."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), LANG_PARAMETER]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self._error_responses():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description, examples=[ERROR_EXAMPLE]), code
                )
        if self.method == "GET":
            responses["304"] = {"description": "Not modified: the ETag or date still matches."}
        return responses

    def _error_responses(self):
        yield "400", "A parameter or field is invalid; `errors` names each one."
        yield "401", "Not authenticated: send `Authorization: Token <key>` or a session."
        if self.method != "GET":
            yield "403", "Authenticated, but without the model permission for this change."
        if "{" in self.path:
            yield "404", "No such object."
        elif self.method == "GET":
            yield "404", "No such page: `page` is past the last one."
        yield "429", "Too many requests: wait as the Retry-After header says."


def read_only_viewset(name: str, what: str):
    return extend_schema_view(
        list=extend_schema(summary=f"List {name}", description=what),
        retrieve=extend_schema(summary=f"One of the {name}, by slug", description=what),
    )


def question_viewset():
    return extend_schema_view(
        list=extend_schema(
            summary="List and filter questions",
            description="Questions with their effective rubric (their own, or their "
            "competency's default), probes and guidance. Ordered by competency and code "
            "unless `ordering` says otherwise; ties are broken by id so pages are stable.",
        ),
        retrieve=extend_schema(summary="One question, by code"),
        create=extend_schema(
            summary="Create a question",
            description="Needs the `questionbank.add_question` permission. Texts in English.",
            request=QuestionInputSerializer,
            responses={201: QuestionSerializer},
            examples=[QUESTION_EXAMPLE],
        ),
        update=extend_schema(
            summary="Replace a question's fields",
            description="Needs `questionbank.change_question`. Texts are written in `lang`.",
            request=QuestionInputSerializer,
            responses={200: QuestionSerializer},
        ),
        partial_update=extend_schema(
            summary="Change some of a question's fields, or add a translation",
            description="Needs `questionbank.change_question`. With `?lang=nl`, `text`, "
            "`probes`, `guidance` and rubric `label`/`anchor` are written in Dutch.",
            request=QuestionInputSerializer,
            responses={200: QuestionSerializer},
        ),
        retire=extend_schema(
            summary="Retire a question",
            description="Questions are retired, never deleted: kits refer to them. "
            "Needs `questionbank.change_question`.",
            request=None,
            responses={200: QuestionSerializer},
        ),
    )


SHORTFALL = "empathy: only 1 suitable active question(s) of the 3 asked for."


class ShortfallErrorSerializer(ErrorSerializer):
    shortfalls = KitWarningSerializer(many=True)


SHORTFALL_RESPONSE = OpenApiResponse(
    ShortfallErrorSerializer,
    "`strict` was set and the bank cannot satisfy the request: each shortfall is listed.",
    examples=[
        OpenApiExample(
            "Too few questions",
            value={
                "status": 422,
                "code": "kit_shortfall",
                "detail": "The bank cannot satisfy this kit (1 shortfall(s)).",
                "errors": [
                    {
                        "field": "competencies",
                        "code": "not_enough_questions",
                        "message": SHORTFALL,
                    }
                ],
                "shortfalls": [
                    {
                        "code": "not_enough_questions",
                        "competency": "empathy",
                        "requested": 3,
                        "selected": 1,
                        "message": SHORTFALL,
                    }
                ],
            },
            response_only=True,
            status_codes=["422"],
        )
    ],
)


def role_viewset():
    what = "Roles with their competencies, weights and essential flags."
    return extend_schema_view(
        list=extend_schema(summary="List roles", description=what),
        retrieve=extend_schema(summary="One role, by slug", description=what),
        screening=extend_schema(
            summary="The role's screening questionnaire",
            description="Closed questions in the order asked, with answer types, options, "
            "which are knockouts and their rules, in the requested language.",
            responses={200: QuestionnaireSerializer},
        ),
        evaluate=extend_schema(
            summary="Evaluate an applicant's screening answers",
            description="Returns pass/fail and, per question, passed / failed (knockout) / "
            "scored, with the reason in the requested language. Every malformed answer "
            "(wrong type, out of range, unknown option or question, missing required answer) "
            "is listed in one 400. Nothing about the applicant is stored.",
            request=ScreeningAnswersSerializer,
            responses={200: ScreeningResultSerializer},
            examples=[
                OpenApiExample(
                    "An inbound agent applicant",
                    value={
                        "answers": {
                            "cs-experience-months": 18,
                            "weekend-shifts": True,
                            "languages": ["dutch", "english"],
                        }
                    },
                    request_only=True,
                )
            ],
        ),
        kit_preview=extend_schema(
            summary="Preview a kit for the role (not stored)",
            description="Assembles a kit exactly as POST /api/v1/kits/ would, without storing "
            "it. Without `seed`, each call draws a new random seed (returned in `seed`).",
            parameters=[KitPreviewQuerySerializer],
            responses={200: KitPreviewSerializer, 422: SHORTFALL_RESPONSE},
        ),
    )


def kit_viewset():
    return extend_schema_view(
        list=extend_schema(
            summary="List stored kits",
            description="Newest first. Summaries; fetch a kit for its content.",
            responses={200: KitSummarySerializer(many=True)},
        ),
        retrieve=extend_schema(summary="One stored kit, by id", responses={200: KitSerializer}),
        create=extend_schema(
            summary="Assemble and store a kit",
            description="Needs `questionbank.add_kit`. The kit is an immutable snapshot: later "
            "edits to the bank never change it. Same inputs and seed, same kit.",
            request=KitRequestSerializer,
            responses={201: KitSerializer, 422: SHORTFALL_RESPONSE},
            examples=[
                OpenApiExample(
                    "A first interview for inbound agents, in Dutch",
                    value={
                        "role": "inbound-service-agent",
                        "stage": "first_interview",
                        "language": "nl",
                        "time_budget_minutes": 45,
                        "seed": 20261125,
                    },
                    request_only=True,
                )
            ],
        ),
    )
