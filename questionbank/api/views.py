"""The bank over HTTP: thin viewsets over the models and questions.py."""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions
from rest_framework.response import Response

from questionbank import audit, bank_cache, kits, questions
from questionbank import screening as screening_service
from questionbank.models import Competency, Kit, Question, Role, RoleCompetency
from questionbank.printing import render_kit_pdf

from . import authentication, schema
from .filters import KitFilter, QuestionFilter, StableOrderingFilter
from .language import requested_language
from .pagination import IdFirstPagination
from .renderers import JSONRenderer, PDFRenderer
from .serializers import (
    MAX_COMPETENCIES,
    CompetencySerializer,
    KitPreviewQuerySerializer,
    KitPreviewSerializer,
    KitRequestSerializer,
    KitSerializer,
    KitSummarySerializer,
    QuestionInputSerializer,
    QuestionnaireSerializer,
    QuestionSerializer,
    RoleSerializer,
    ScreeningAnswersSerializer,
    ScreeningResultSerializer,
    kit_body,
    kit_summary,
    new_kit_body,
    preview_payload,
    questionnaire_payload,
)
from .throttling import AnonRateThrottle

COMMON_PARAMETERS = {"lang", "format"}
LIST_PARAMETERS = {"page", "page_size", "ordering"}


class BankPermissions(DjangoModelPermissions):
    """Any authenticated user reads; writing needs the model permission.

    Retiring is a change, whatever the HTTP method. A method the view does
    not offer (DELETE) is left to answer 405 rather than 403.
    """

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if getattr(view, "action", None) == "retire":
            return user.has_perm("questionbank.change_question")
        if not hasattr(view, request.method.lower()):
            return True
        if request.method in SAFE_METHODS:  # reading needs no permission
            return True
        authentication.remember_permissions(user)
        return super().has_permission(request, view)

    def _queryset(self, view):
        """Only its model is read: the view's declared queryset, not the clone that
        `get_queryset()` makes on every request."""
        queryset = getattr(view, "queryset", None)
        return queryset if queryset is not None else super()._queryset(view)


AUDITED_ACTIONS = {
    "create": "created",
    "update": "updated",
    "partial_update": "updated",
    "retire": "retired",
}


class BankViewMixin:
    """Language negotiation, strict query parameters and caching headers for every view."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request.language = requested_language(request)
        method = request.method.lower()
        if method in self.http_method_names and hasattr(self, method):
            # A method the view does not offer is a 405, whatever its parameters.
            self.reject_unknown_parameters(request)

    def reject_unknown_parameters(self, request):
        if not request.query_params:  # most requests: nothing to check
            return
        allowed = set(COMMON_PARAMETERS)
        if self.action == "list":
            allowed |= LIST_PARAMETERS
            filterset_class = getattr(self, "filterset_class", None)
            if filterset_class is not None:
                allowed |= set(filterset_class.base_filters)
        query_serializer = getattr(self, "query_serializers", {}).get(self.action)
        if query_serializer is not None:
            allowed |= set(query_serializer().fields)
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise ValidationError(
                {
                    name: [f"Unknown query parameter. Allowed: {', '.join(sorted(allowed))}."]
                    for name in unknown
                },
                code="unknown_parameter",
            )
        empty = sorted(
            name
            for name, values in request.query_params.lists()
            if name != "format" and any(value == "" for value in values)
        )
        if empty:
            raise ValidationError(
                {name: ["Empty value: give one, or leave the parameter out."] for name in empty},
                code="blank",
            )

    def audit(self, request, response):
        """Successful writes go to the audit trail: who, what, when."""
        verb = AUDITED_ACTIONS.get(getattr(self, "action", None))
        if verb is None or not 200 <= response.status_code < 300:
            return
        if getattr(response, "audited", False):  # recorded with the write itself
            return
        model = self.get_queryset().model._meta.model_name
        data = response.data if isinstance(response.data, dict) else {}
        ident = data.get("code") or data.get("id") or self.kwargs.get(self.lookup_field, "")
        audit.record(f"{model}.{verb}", f"{model} {ident}", request=request, user=request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["language"] = getattr(self.request, "language", "en")
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        self.audit(request, response)
        language = getattr(request, "language", None)
        if language:
            response["Content-Language"] = language
        patch_vary_headers(response, ["Accept-Language", "Authorization", "Cookie"])
        return response


@schema.role_viewset()
class RoleViewSet(BankViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RoleSerializer
    lookup_field = "slug"
    queryset = Role.objects.prefetch_related(
        Prefetch(
            "role_competencies",
            queryset=RoleCompetency.objects.select_related("competency").order_by(
                "-weight", "competency__slug"
            ),
        )
    ).order_by("slug", "pk")

    query_serializers = {"kit_preview": KitPreviewQuerySerializer}

    def get_queryset(self):
        # Kit assembly and screening read what they need themselves.
        if self.action in ("kit_preview", "screening", "evaluate"):
            return Role.objects.all()
        return super().get_queryset()

    @action(detail=True, methods=["get"])
    def screening(self, request, slug=None):
        """The role's screening questionnaire, in order."""
        role = self.get_object()
        items = screening_service.questionnaire(role)
        return Response(
            QuestionnaireSerializer(questionnaire_payload(role, items, request.language)).data
        )

    @action(detail=True, methods=["post"], url_path="screening/evaluate")
    def evaluate(self, request, slug=None):
        """Evaluate an applicant's answers. Stores nothing."""
        role = self.get_object()
        body = ScreeningAnswersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            result = screening_service.evaluate(
                items=screening_service.questionnaire(role),
                answers=body.validated_data["answers"],
                language=request.language,
            )
        except screening_service.ScreeningAnswerError as exc:
            raise ValidationError({k: [v] for k, v in exc.errors.items()}) from exc
        payload = {"role": role.slug, "language": request.language, **result}
        payload["results"] = [vars(outcome) for outcome in result["results"]]
        return Response(ScreeningResultSerializer(payload).data)

    @action(detail=True, methods=["get"], url_path="kit-preview")
    def kit_preview(self, request, slug=None):
        """Assemble a kit for the role without storing it."""
        role = self.get_object()
        query = KitPreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = dict(query.validated_data)
        data.setdefault("language", request.language)
        if "competencies" in data:
            data["competencies"] = slugs_to_competencies(data["competencies"])
        if "question_types" in data:
            data["question_types"] = [
                t.strip() for t in data["question_types"].split(",") if t.strip()
            ]
        assembled = assemble_or_fail(role=role, **data)
        return Response(KitPreviewSerializer(preview_payload(assembled)).data)


def slugs_to_competencies(raw: str) -> list[Competency]:
    slugs = sorted({s.strip() for s in raw.split(",") if s.strip()})
    if len(slugs) > MAX_COMPETENCIES:
        raise ValidationError({"competencies": [f"At most {MAX_COMPETENCIES} competencies."]})
    found = list(Competency.objects.filter(slug__in=slugs))
    unknown = sorted(set(slugs) - {c.slug for c in found})
    if unknown:
        raise ValidationError(
            {"competencies": [f"Unknown competency: {', '.join(unknown)}."]}, code="does_not_exist"
        )
    return found


@schema.read_only_viewset("competencies", "Competencies with their default rubric.")
class CompetencyViewSet(BankViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CompetencySerializer
    lookup_field = "slug"
    queryset = Competency.objects.prefetch_related("rubric_levels").order_by("slug", "pk")


@schema.question_viewset()
class QuestionViewSet(
    BankViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = QuestionSerializer
    permission_classes = [BankPermissions]
    pagination_class = IdFirstPagination
    lookup_field = "code"
    filterset_class = QuestionFilter
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    ordering_fields = [
        "code",
        "type",
        "expected_minutes",
        "created_at",
        "updated_at",
        "competency__slug",
    ]
    ordering = ["competency__slug", "code"]
    queryset = Question.objects.with_rubrics()

    def retrieve(self, request, *args, **kwargs):
        question = self.get_object()
        response = Response(self.get_serializer(question).data)
        response["Last-Modified"] = http_date(question.updated_at.timestamp())
        return response

    def create(self, request, *args, **kwargs):
        data = self._validated_input(request)
        question = self._run(questions.create_question, data=data, language=request.language)
        body = self._fresh(question)
        location = request.build_absolute_uri(f"{question.code}/")
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})

    def update(self, request, *args, **kwargs):
        question = self.get_object()
        data = self._validated_input(request, partial=kwargs.get("partial", False))
        self._run(
            questions.update_question, question=question, data=data, language=request.language
        )
        return Response(self._fresh(question))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @action(detail=True, methods=["post"])
    def retire(self, request, *args, **kwargs):
        question = questions.retire_question(question=self.get_object())
        return Response(self._fresh(question))

    def _validated_input(self, request, partial=False):
        serializer = QuestionInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _run(self, service, **kwargs):
        try:
            return service(**kwargs)
        except DjangoValidationError as exc:
            raise ValidationError(api_field_errors(exc)) from exc

    def _fresh(self, question):
        return self.get_serializer(self.get_queryset().get(pk=question.pk)).data


def api_field_errors(exc: DjangoValidationError) -> dict:
    """Model validation errors keyed by the API's field names (`text_en` is `text`)."""
    errors = {}
    for field, messages in exc.message_dict.items():
        base = field.rsplit("_", 1)[0]
        name = base if base in questions.TRANSLATED else field
        if name == "__all__":
            name = "non_field_errors"
        errors.setdefault(name, []).extend(messages)
    return errors


@schema.kit_viewset()
class KitViewSet(
    BankViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Stored kits. Reading needs authentication; assembling one needs `add_kit`."""

    permission_classes = [BankPermissions]
    filterset_class = KitFilter
    queryset = Kit.objects.select_related("created_by").order_by("-created_at", "pk")
    serializer_class = KitSerializer

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            KitSummarySerializer([kit_summary(kit) for kit in page], many=True).data
        )

    def get_renderers(self):
        if self.action == "retrieve":
            return [JSONRenderer(), PDFRenderer()]
        return super().get_renderers()

    def retrieve(self, request, *args, **kwargs):
        """A stored kit, as JSON or PDF. Kits never change, so both renderings are cached."""
        as_pdf = request.accepted_renderer.format == PDFRenderer.format
        key = cached_kit_key(kwargs["pk"], "pdf" if as_pdf else "json")
        body = cache.get(key)
        if body is None:
            kit = self.get_object()
            body = render_kit_pdf(kit) if as_pdf else JSONRenderer().render(kit_body(kit))
            cache.set(key, body, settings.KIT_CACHE_SECONDS)
        if as_pdf:
            return pdf_body_response(body, kwargs["pk"])
        response = HttpResponse(body, content_type="application/json")
        response["ETag"] = f'"kit-{kwargs["pk"]}"'
        return response

    def create(self, request, *args, **kwargs):
        """Assemble and store a kit. The body is the stored kit's, so it is cached for GET."""
        bank = bank_cache.current()
        serializer = KitRequestSerializer(data=request.data, context={"bank": bank})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.setdefault("language", request.language)
        if "question_types" in data:
            data["question_types"] = list(data["question_types"])
        assembled = assemble_or_fail(bank=bank, **data)
        kit = kits.store_kit(
            assembled,
            created_by=request.user,
            # Stored with the kit: never a kit without its record.
            audit_event=lambda kit: audit.event(
                "kit.created", f"kit {kit.pk}", request=request, user=request.user
            ),
        )
        payload = new_kit_body(kit)
        body = JSONRenderer().render(payload)
        cache.set(cached_kit_key(kit.pk, "json"), body, settings.KIT_CACHE_SECONDS)
        response = RenderedJSONResponse(body, payload, status=status.HTTP_201_CREATED)
        # From the path, not relative to it: an absolute path skips build_absolute_uri's urljoin.
        response["Location"] = request.build_absolute_uri(f"{request.path}{kit.pk}/")
        response["ETag"] = f'"kit-{kit.pk}"'
        response.audited = True
        return response


class RenderedJSONResponse(HttpResponse):
    """A JSON body rendered already; `data` is what it holds, as on a DRF Response (the audit
    trail reads it)."""

    def __init__(self, body: bytes, data: dict, **kwargs):
        super().__init__(body, content_type="application/json", **kwargs)
        self.data = data


def cached_kit_key(pk: str, rendering: str) -> str:
    try:
        return f"kit:{uuid.UUID(str(pk))}:{rendering}"
    except ValueError:
        raise NotFound("No such kit.") from None


def pdf_body_response(body: bytes, pk) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="kit-{str(pk)[:8]}.pdf"'
    response["ETag"] = f'"kit-{pk}-pdf"'
    return response


def assemble_or_fail(**arguments):
    """Assemble, turning the service's errors into 400 (bad input) or 422 (bank falls short)."""
    try:
        return kits.assemble_kit(**arguments)
    except kits.KitError as exc:
        raise ValidationError({k: [v] for k, v in exc.errors.items()}) from exc
    except kits.KitShortfall as exc:
        raise KitShortfallError(exc.shortfalls) from exc


class KitShortfallError(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "kit_shortfall"

    def __init__(self, shortfalls):
        self.shortfalls = shortfalls
        super().__init__(
            f"The bank cannot satisfy this kit ({len(shortfalls)} shortfall(s)).", self.default_code
        )


class ObtainToken(ObtainAuthToken):
    """POST username and password, get the user's token: throttled per IP at API_THROTTLE_ANON.

    DRF's view throttles nothing, so without this a password could be guessed at full speed.
    """

    throttle_classes = [AnonRateThrottle]
