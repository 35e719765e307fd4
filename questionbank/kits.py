"""Kit assembly: turning the bank into a structured interview for one role and stage.

A pure service, no HTTP: `assemble_kit()` chooses the questions and builds
the snapshot; `store_kit()` persists it. Assembly is deterministic: the same
bank, inputs and seed give the same kit; without a seed a random one is
drawn and recorded.

How questions are chosen:
1. The plan: the role's kit template for the stage (or the stage's defaults),
   then any overrides.
2. Competencies in order of weight (essential first on a tie, then slug).
3. Candidates: active questions suited to the role (its level, and not
   restricted to other roles), of the allowed types, not excluded, in those
   competencies: per competency the next few from a seeded point of a deck
   shuffled once, read through an index (see `candidate_pools`).
4. Round by round, each competency in weight order gets one more question
   until it has its share: so with a tight budget every competency is
   covered once before any gets a second question. Within a competency the
   pick prefers the question type used least so far in the kit (balancing
   types), in seeded random order, and skips questions longer than the
   remaining time.
5. Every competency short of its share gets a warning saying why (too few
   questions, or no time left); with `strict=True` any warning fails the
   assembly with `KitShortfall`.
"""

import random
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import translation

from . import screening
from .languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, translated
from .models import (
    SHUFFLE_KEY_RANGE,
    Competency,
    CompetencyRubricLevel,
    Kit,
    KitQuestion,
    KitTemplate,
    Question,
    Role,
    RoleCompetency,
    RubricLevel,
    Stage,
)

MAX_SEED = 2**53 - 1  # exact in JSON numbers and JavaScript
MIN_POOL = 40
POOL_PER_QUESTION = 8
MAX_QUESTIONS_PER_COMPETENCY = 10
MAX_BUDGET = 240
DEFAULT_TYPES = [t for t in Question.Type.values if t != Question.Type.SCREENING]


@dataclass(frozen=True)
class StageDefaults:
    time_budget_minutes: int
    questions_per_competency: int
    essential_only: bool


STAGE_DEFAULTS = {
    Stage.PHONE_SCREEN: StageDefaults(20, 1, essential_only=True),
    Stage.FIRST_INTERVIEW: StageDefaults(45, 2, essential_only=False),
    Stage.FINAL: StageDefaults(60, 2, essential_only=False),
}


# A competency id no row has, marking where each competency's id goes in the candidate SQL.
STAND_IN = -7_340_021


class Candidate(NamedTuple):
    """What choosing needs to know of a question; the chosen ones are loaded in full."""

    id: int
    competency_id: int
    type: str
    expected_minutes: int


class KitError(Exception):
    """The request itself is wrong (a bad value): `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class KitShortfall(Exception):
    """The bank cannot satisfy the request and `strict` was asked for."""

    def __init__(self, shortfalls: list[dict]):
        self.shortfalls = shortfalls
        super().__init__("; ".join(s["message"] for s in shortfalls))


@dataclass
class Plan:
    role: Role
    stage: str
    template: KitTemplate | None
    competencies: list[RoleCompetency]
    questions_per_competency: int
    time_budget_minutes: int
    question_types: list[str]
    language: str
    seed: int
    exclude_question_ids: set[int]
    strict: bool
    include_screening: bool
    parameters: dict = field(default_factory=dict)


@dataclass
class AssembledKit:
    plan: Plan
    role: dict
    sections: list[dict]
    questions: list[Question]
    warnings: list[dict]
    fallbacks: list[str]
    screening: list[dict] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(q.expected_minutes for q in self.questions)

    def content(self) -> dict:
        """The snapshot stored with the kit and returned by the API."""
        return {
            "role": self.role,
            "screening": self.screening,
            "sections": self.sections,
            "scoring_sheet": scoring_sheet(self.sections),
            "fallbacks": self.fallbacks,
        }


def assemble_kit(
    *,
    role: Role,
    stage: str,
    template: KitTemplate | None = None,
    competencies: list[Competency] | None = None,
    questions_per_competency: int | None = None,
    time_budget_minutes: int | None = None,
    question_types: list[str] | None = None,
    language: str = DEFAULT_LANGUAGE,
    seed: int | None = None,
    exclude_questions: list[Question] = (),
    exclude_kits: list[Kit] = (),
    strict: bool = False,
    include_screening: bool | None = None,
) -> AssembledKit:
    plan = resolve_plan(
        role=role,
        stage=stage,
        template=template,
        competencies=competencies,
        questions_per_competency=questions_per_competency,
        time_budget_minutes=time_budget_minutes,
        question_types=question_types,
        language=language,
        seed=seed,
        exclude_questions=exclude_questions,
        exclude_kits=exclude_kits,
        strict=strict,
        include_screening=include_screening,
    )
    pools = candidate_pools(plan)
    chosen, warnings = choose(plan, pools)
    if warnings and plan.strict:
        raise KitShortfall(warnings)
    chosen = load_chosen(chosen)
    role_ref, sections, fallbacks = snapshot(plan, chosen)
    questions = [q for link in plan.competencies for q in chosen[link.competency_id]]
    kit = AssembledKit(plan, role_ref, sections, questions, warnings, fallbacks)
    if plan.include_screening:
        kit.screening = screening_snapshot(plan, kit.fallbacks)
    return kit


def resolve_plan(
    *,
    role,
    stage,
    template,
    competencies,
    questions_per_competency,
    time_budget_minutes,
    question_types,
    language,
    seed,
    exclude_questions,
    exclude_kits,
    strict,
    include_screening,
) -> Plan:
    errors = {}
    if stage not in Stage.values:
        errors["stage"] = f"Unknown stage {stage!r}; choose from {', '.join(Stage.values)}."
    if language not in SUPPORTED_LANGUAGES:
        errors["language"] = (
            f"Unsupported language {language!r}; choose from {', '.join(SUPPORTED_LANGUAGES)}."
        )
    if template is not None and (template.role_id != role.pk or template.stage != stage):
        errors["template"] = "The template is for another role or stage."
    if errors:
        raise KitError(errors)
    if template is None:
        template = KitTemplate.objects.filter(role=role, stage=stage).first()
    defaults = STAGE_DEFAULTS[Stage(stage)]

    per_competency = questions_per_competency or (
        template.questions_per_competency if template else defaults.questions_per_competency
    )
    budget = time_budget_minutes or (
        template.time_budget_minutes if template else defaults.time_budget_minutes
    )
    types = list(question_types or (template.question_types if template else None) or DEFAULT_TYPES)
    if not 1 <= per_competency <= MAX_QUESTIONS_PER_COMPETENCY:
        errors["questions_per_competency"] = f"Must be 1 to {MAX_QUESTIONS_PER_COMPETENCY}."
    if not 1 <= budget <= MAX_BUDGET:
        errors["time_budget_minutes"] = f"Must be 1 to {MAX_BUDGET} minutes."
    unknown_types = sorted(set(types) - set(Question.Type.values))
    if unknown_types:
        errors["question_types"] = f"Unknown question types: {', '.join(unknown_types)}."
    if seed is not None and not 0 <= seed <= MAX_SEED:
        errors["seed"] = f"Must be 0 to {MAX_SEED}."
    if errors:
        raise KitError(errors)

    links = role_competencies(role, competencies, template, defaults)
    if seed is None:
        seed = secrets.randbelow(MAX_SEED + 1)
    excluded = {q.pk for q in exclude_questions}
    if exclude_kits:
        excluded |= set(
            KitQuestion.objects.filter(kit__in=list(exclude_kits)).values_list(
                "question_id", flat=True
            )
        )
    plan = Plan(
        role=role,
        stage=stage,
        template=template,
        competencies=links,
        questions_per_competency=per_competency,
        time_budget_minutes=budget,
        question_types=sorted(set(types), key=Question.Type.values.index),
        language=language,
        seed=seed,
        exclude_question_ids=excluded,
        strict=strict,
        include_screening=(
            include_screening
            if include_screening is not None
            else bool(template and template.include_screening)
        ),
    )
    plan.parameters = {
        "role": role.slug,
        "stage": stage,
        "template": template.pk if template else None,
        "competencies": [link.competency.slug for link in links],
        "questions_per_competency": per_competency,
        "time_budget_minutes": budget,
        "question_types": plan.question_types,
        "language": language,
        "seed": seed,
        "exclude_questions": sorted(q.code for q in exclude_questions),
        "exclude_kits": sorted(str(k.pk) for k in exclude_kits),
        "strict": strict,
        "include_screening": plan.include_screening,
    }
    return plan


def role_competencies(role, competencies, template, defaults) -> list[RoleCompetency]:
    """The competencies to cover, most important first, as RoleCompetency rows.

    A competency asked for that the role does not list still gets covered,
    with weight 1, after the role's own.
    """
    links = list(
        RoleCompetency.objects.filter(role=role)
        .select_related("competency")
        .order_by("-weight", "-essential", "competency__slug")
    )
    wanted = competencies
    if wanted is None and template is not None:
        wanted = list(template.competencies.all())
    if wanted:
        by_id = {link.competency_id: link for link in links}
        unique = list({c.pk: c for c in wanted}.values())
        chosen = [by_id[c.pk] for c in unique if c.pk in by_id]
        chosen.sort(key=links.index)
        extra = [
            RoleCompetency(role=role, competency=c, weight=1, essential=False)
            for c in sorted(unique, key=lambda c: c.slug)
            if c.pk not in by_id
        ]
        return chosen + extra
    if defaults.essential_only:
        essential = [link for link in links if link.essential]
        return essential or links[:3]
    return links


def candidate_pools(plan: Plan) -> dict[int, list[Candidate]]:
    """Up to `pool_size` suitable, active, allowed questions per competency, in seeded order.

    Every question has a random `shuffle_key`, fixed when it is created: the
    bank is a deck shuffled once. The seed picks a point in the deck, and
    each competency's pool is the next suitable questions from that point
    (wrapping round to the start), read through the index on (competency,
    status, shuffle_key). One statement for all competencies, reading a few
    rows each, so the cost does not grow with the size of the bank.
    """
    start = random.Random(plan.seed).randrange(SHUFFLE_KEY_RANGE)
    size = pool_size(plan)
    suitable = (
        Question.objects.active()
        .suitable_for(plan.role)
        .filter(type__in=plan.question_types)
        .exclude(pk__in=plan.exclude_question_ids)
    )
    # Named, in Candidate's order: the inner SELECT's column order is the model's.
    columns = ", ".join(connection.ops.quote_name(name) for name in Candidate._fields)
    # Each window's SQL is compiled once, for a stand-in competency, and repeated
    # for every competency: compiling a query per window would cost more than running them.
    windows = []
    for window in (
        suitable.filter(competency_id=STAND_IN, shuffle_key__gte=start),
        suitable.filter(competency_id=STAND_IN, shuffle_key__lt=start),
    ):
        first = window.order_by("shuffle_key").values_list(*Candidate._fields)[:size]
        windows.append(first.query.sql_with_params())
    parts, params = [], []
    for link in plan.competencies:
        for sql, sql_params in windows:
            parts.append(f"SELECT {columns} FROM ({sql}) AS part{len(parts)}")
            params.extend(link.competency_id if p == STAND_IN else p for p in sql_params)
    pools = {link.competency_id: [] for link in plan.competencies}
    if not parts:
        return pools
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    for row in rows:  # in deck order: each competency's window from the start point, then wrapped
        candidate = Candidate(*row)
        pool = pools[candidate.competency_id]
        if len(pool) < size:
            pool.append(candidate)
    return pools


def load_chosen(chosen: dict[int, list[Candidate]]) -> dict[int, list[Question]]:
    """The chosen candidates as full questions with their rubric levels (two queries)."""
    ids = [c.id for candidates in chosen.values() for c in candidates]
    by_id = Question.objects.prefetch_related(
        Prefetch("rubric_levels", queryset=RubricLevel.objects.order_by("score"))
    ).in_bulk(ids)
    return {
        competency: [by_id[c.id] for c in candidates] for competency, candidates in chosen.items()
    }


def pool_size(plan: Plan) -> int:
    """Candidates per competency: enough to balance types and fit the time budget."""
    return max(MIN_POOL, plan.questions_per_competency * POOL_PER_QUESTION)


def choose(plan: Plan, pools: dict[int, list[Candidate]]) -> tuple[dict, list[dict]]:
    remaining = plan.time_budget_minutes
    type_use = Counter()
    chosen = {link.competency_id: [] for link in plan.competencies}
    out_of_time = set()
    for _round in range(plan.questions_per_competency):
        for link in plan.competencies:
            pool = pools[link.competency_id]
            # Least-used type first; the pool's seeded order breaks ties.
            fitting = (
                ((type_use[q.type], i), i)
                for i, q in enumerate(pool)
                if q.expected_minutes <= remaining
            )
            best = min(fitting, default=None)
            if best is None:
                if pool:
                    out_of_time.add(link.competency_id)
                continue
            pick = pool.pop(best[1])
            chosen[link.competency_id].append(pick)
            type_use[pick.type] += 1
            remaining -= pick.expected_minutes
    return chosen, shortfalls(plan, chosen, out_of_time)


def shortfalls(plan: Plan, chosen: dict, out_of_time: set) -> list[dict]:
    wanted = plan.questions_per_competency
    warnings = []
    for link in plan.competencies:
        got = len(chosen[link.competency_id])
        if got >= wanted:
            continue
        slug = link.competency.slug
        if link.competency_id in out_of_time:
            warnings.append(
                {
                    "code": "time_budget",
                    "competency": slug,
                    "requested": wanted,
                    "selected": got,
                    "message": f"{slug}: the {plan.time_budget_minutes}-minute budget left room "
                    f"for {got} of {wanted} questions.",
                }
            )
        else:
            warnings.append(
                {
                    "code": "not_enough_questions",
                    "competency": slug,
                    "requested": wanted,
                    "selected": got,
                    "message": f"{slug}: only {got} suitable active question(s) of the "
                    f"{wanted} asked for.",
                }
            )
    return warnings


def snapshot(plan: Plan, chosen: dict) -> tuple[dict, list[dict], list[str]]:
    """The role and the sections, with every text the interviewer reads, in the kit's language."""
    language = plan.language
    fallbacks = []

    def text(instance, name, path):
        value, fell_back = translated(instance, name, language)
        if fell_back:
            fallbacks.append(f"{path}.{name}")
        return value

    role = {"slug": plan.role.slug, "title": text(plan.role, "title", "role")}
    default_rubrics = default_rubric_levels(plan)
    sections = []
    for link in plan.competencies:
        questions = chosen[link.competency_id]
        if not questions:
            continue
        competency = link.competency
        sections.append(
            {
                "competency": {
                    "slug": competency.slug,
                    "name": text(competency, "name", f"competencies.{competency.slug}"),
                    "weight": link.weight,
                    "essential": link.essential,
                },
                "minutes": sum(q.expected_minutes for q in questions),
                "questions": [
                    question_snapshot(q, text, default_rubrics[competency.pk]) for q in questions
                ],
            }
        )
    return role, sections, fallbacks


def default_rubric_levels(plan: Plan) -> dict[int, list[CompetencyRubricLevel]]:
    levels = {link.competency_id: [] for link in plan.competencies}
    for level in CompetencyRubricLevel.objects.filter(competency_id__in=list(levels)).order_by(
        "score"
    ):
        levels[level.competency_id].append(level)
    return levels


def question_snapshot(question: Question, text, default_rubric) -> dict:
    path = f"questions.{question.code}"
    own = list(question.rubric_levels.all())
    rubric = own or default_rubric
    probes = text(question, "probes", path)
    return {
        "id": question.pk,
        "code": question.code,
        "type": question.type,
        "expected_minutes": question.expected_minutes,
        "text": text(question, "text", path),
        "probes": [line.strip() for line in probes.splitlines() if line.strip()],
        "guidance": text(question, "guidance", path),
        "rubric_source": "question" if own else "competency",
        "rubric": [
            {
                "score": level.score,
                "label": text(level, "label", f"{path}.rubric.{level.score}"),
                "anchor": text(level, "anchor", f"{path}.rubric.{level.score}"),
            }
            for level in rubric
        ],
    }


def scoring_sheet(sections: list[dict]) -> list[dict]:
    """Per competency, the questions asked and a 1..5 score for the interviewer to fill in."""
    return [
        {
            "competency": section["competency"]["slug"],
            "name": section["competency"]["name"],
            "weight": section["competency"]["weight"],
            "questions": [q["code"] for q in section["questions"]],
            "score": None,
            "scale": [1, 2, 3, 4, 5],
        }
        for section in sections
    ]


def unsaved_kit(assembled: AssembledKit, *, created_by=None) -> Kit:
    """The kit as it would be stored: for previews, and for `store_kit`."""
    plan = assembled.plan
    return Kit(
        role=plan.role,
        stage=plan.stage,
        template=plan.template,
        language=plan.language,
        seed=plan.seed,
        parameters=plan.parameters,
        content=assembled.content(),
        warnings=assembled.warnings,
        total_minutes=assembled.total_minutes,
        created_by=created_by if created_by and created_by.is_authenticated else None,
    )


def store_kit(assembled: AssembledKit, *, created_by=None) -> Kit:
    """Persist an assembled kit as an immutable snapshot."""
    with transaction.atomic():
        kit = unsaved_kit(assembled, created_by=created_by)
        kit.save(force_insert=True)
        KitQuestion.objects.bulk_create(
            KitQuestion(kit=kit, question=q, position=i)
            for i, q in enumerate(assembled.questions, 1)
        )
    return kit


def screening_snapshot(plan: Plan, fallbacks: list[str]) -> list[dict]:
    """The role's screening questionnaire as the kit's opening section."""
    language = plan.language

    def text(instance, name, path):
        value, fell_back = translated(instance, name, language)
        if fell_back and value:
            fallbacks.append(f"{path}.{name}")
        return value

    with translation.override(language):
        return [
            {
                "code": item.question.code,
                "text": text(item.question, "text", f"screening.{item.question.code}"),
                "help": text(item.question, "help", f"screening.{item.question.code}"),
                "answer_type": item.question.answer_type,
                "unit": text(item.question, "unit", f"screening.{item.question.code}"),
                "options": [
                    text(option, "label", f"screening.{item.question.code}.{option.value}")
                    for option in item.question.options.all()
                ],
                "knockout": item.knockout,
                "required": item.required,
                "rule": screening.describe_rule(item, language),
            }
            for item in screening.questionnaire(plan.role)
        ]
