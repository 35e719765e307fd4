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
   shuffled once (see `candidate_pools`).
4. Round by round, each competency in weight order gets one more question
   until it has its share: so with a tight budget every competency is
   covered once before any gets a second question. Within a competency the
   pick prefers the question type used least so far in the kit (balancing
   types), in seeded random order, and skips questions longer than the
   remaining time.
5. Every competency short of its share gets a warning saying why (too few
   questions, or no time left); with `strict=True` any warning fails the
   assembly with `KitShortfall`.

Everything assembly reads of the bank comes through a `BankCache`
(bank_cache.py): this process's copy, checked against the bank's version
token, so a kit costs one query while the bank is unchanged.
"""

import random
import secrets
from collections import Counter
from dataclasses import dataclass, field

from . import audit, bank_cache, inserts
from .bank_cache import BankCache, Candidate
from .languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, translated
from .models import (
    SHUFFLE_KEY_RANGE,
    Competency,
    Kit,
    KitQuestion,
    KitTemplate,
    Question,
    Role,
    RoleCompetency,
    Stage,
)

MAX_SEED = 2**53 - 1  # exact in JSON numbers and JavaScript
MIN_POOL = 40
# From a role's eleventh kit in a language on (per process and change of the bank), a kit
# needing question snapshots the process does not keep also reads, in the same query, the
# next ten candidates of each of its pools (see BankCache.snapshots).
READ_AHEAD_AFTER_KITS = 10
READ_AHEAD_PER_POOL = 10
POOL_PER_QUESTION = 8
MAX_QUESTIONS_PER_COMPETENCY = 10
MAX_BUDGET = 240
# The enums' `values` build a new list on every use: kept once, in their order.
STAGES = tuple(Stage.values)
TYPES = tuple(Question.Type.values)
DEFAULT_TYPES = [t for t in TYPES if t != Question.Type.SCREENING]


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
    questions: list[Candidate]
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
    bank: BankCache | None = None,
) -> AssembledKit:
    """Assemble a kit; `bank` is the copy of the bank to read (by default this process's)."""
    bank = bank or bank_cache.current()
    plan = resolve_plan(
        bank=bank,
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
    pools = candidate_pools(plan, bank)
    chosen, warnings = choose(plan, pools)
    if warnings and plan.strict:
        raise KitShortfall(warnings)
    role_ref, sections, fallbacks = snapshot(plan, chosen, bank, pools)
    questions = [c for link in plan.competencies for c in chosen[link.competency_id]]
    kit = AssembledKit(plan, role_ref, sections, questions, warnings, fallbacks)
    if plan.include_screening:
        kit.screening, screening_fallbacks = bank.screening(plan.role, plan.language)
        kit.fallbacks.extend(screening_fallbacks)
    return kit


def resolve_plan(
    *,
    bank,
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
    if stage not in STAGES:
        errors["stage"] = f"Unknown stage {stage!r}; choose from {', '.join(STAGES)}."
    if language not in SUPPORTED_LANGUAGES:
        errors["language"] = (
            f"Unsupported language {language!r}; choose from {', '.join(SUPPORTED_LANGUAGES)}."
        )
    if template is not None and (template.role_id != role.pk or template.stage != stage):
        errors["template"] = "The template is for another role or stage."
    if errors:
        raise KitError(errors)
    stage_template, named = bank.template(role, stage)
    if template is None:
        template = stage_template
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
    unknown_types = sorted(set(types).difference(TYPES))
    if unknown_types:
        errors["question_types"] = f"Unknown question types: {', '.join(unknown_types)}."
    if seed is not None and not 0 <= seed <= MAX_SEED:
        errors["seed"] = f"Must be 0 to {MAX_SEED}."
    if errors:
        raise KitError(errors)

    named = named if template is not None else []
    wanted = competencies if competencies is not None else named
    links = role_competencies(role, bank.links(role), wanted, defaults)
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
        question_types=sorted(set(types), key=TYPES.index),
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


def role_competencies(role, links, wanted, defaults) -> list[RoleCompetency]:
    """The competencies to cover, most important first, as RoleCompetency rows.

    `links` are the role's, in order of importance; `wanted` the competencies
    asked for (or the template's), if any. A competency asked for that the
    role does not list still gets covered, with weight 1, after the role's own.
    """
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
    return list(links)


def candidate_pools(plan: Plan, bank: BankCache) -> dict[int, list[Candidate]]:
    """Up to `pool_size` suitable, active, allowed questions per competency, in seeded order.

    Every question has a random `shuffle_key`, fixed when it is created: the
    bank is a deck shuffled once. The seed picks a point in the deck, and
    each competency's pool is the next suitable questions from that point
    (wrapping round to the start), ties in key broken by id. The decks come
    from the bank cache, one per competency and role level, so the cost does
    not grow with the size of the bank.
    """
    start = random.Random(plan.seed).randrange(SHUFFLE_KEY_RANGE)
    size = pool_size(plan)
    types = set(plan.question_types)
    decks = bank.decks([link.competency_id for link in plan.competencies], plan.role.level)
    return {
        pk: deck.window(
            start, size, role_id=plan.role.pk, types=types, excluded=plan.exclude_question_ids
        )
        for pk, deck in decks.items()
    }


def pool_size(plan: Plan) -> int:
    """Candidates per competency: enough to balance types and fit the time budget."""
    return max(MIN_POOL, plan.questions_per_competency * POOL_PER_QUESTION)


def choose(plan: Plan, pools: dict[int, list[Candidate]]) -> tuple[dict, list[dict]]:
    remaining = plan.time_budget_minutes
    type_use = Counter()
    chosen = {link.competency_id: [] for link in plan.competencies}
    out_of_time = set()
    kinds = len(plan.question_types)
    for _round in range(plan.questions_per_competency):
        for link in plan.competencies:
            pool = pools[link.competency_id]
            # Least-used type first; the pool's seeded order breaks ties: the pick is the
            # first fitting question of one of the types, so only those are looked at.
            first_of_type = {}
            for i, q in enumerate(pool):
                if q.expected_minutes <= remaining and q.type not in first_of_type:
                    first_of_type[q.type] = i
                    if len(first_of_type) == kinds:
                        break
            if not first_of_type:
                if pool:
                    out_of_time.add(link.competency_id)
                continue
            best = min(first_of_type.items(), key=lambda item: (type_use[item[0]], item[1]))
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


def snapshot(
    plan: Plan, chosen: dict, bank: BankCache, pools: dict | None = None
) -> tuple[dict, list[dict], list[str]]:
    """The role and the sections, with every text the interviewer reads, in the kit's language.

    `pools`, the candidates left after choosing, name the questions the next kits are likely
    to ask: from the role's eleventh kit on, the bank cache reads the first few of each with
    the chosen ones it does not keep yet.
    """
    language = plan.language
    fallbacks = []

    def text(instance, name, path):
        value, fell_back = translated(instance, name, language)
        if fell_back:
            fallbacks.append(f"{path}.{name}")
        return value

    role = {"slug": plan.role.slug, "title": text(plan.role, "title", "role")}
    likely = []
    if pools and bank.count_kit(plan.role.pk, language) > READ_AHEAD_AFTER_KITS:
        likely = [c.id for pool in pools.values() for c in pool[:READ_AHEAD_PER_POOL]]
    snapshots = bank.snapshots(
        [c.id for picks in chosen.values() for c in picks], language, likely=likely
    )
    sections = []
    for link in plan.competencies:
        picks = chosen[link.competency_id]
        if not picks:
            continue
        competency = link.competency
        section = {
            "competency": {
                "slug": competency.slug,
                "name": text(competency, "name", f"competencies.{competency.slug}"),
                "weight": link.weight,
                "essential": link.essential,
            },
            "minutes": sum(c.expected_minutes for c in picks),
            "questions": [],
        }
        for pick in picks:
            question, question_fallbacks = snapshots[pick.id]
            section["questions"].append(question)
            fallbacks.extend(question_fallbacks)
        sections.append(section)
    return role, sections, fallbacks


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


def store_kit(assembled: AssembledKit, *, created_by=None, audit_event=None) -> Kit:
    """Persist an assembled kit as an immutable snapshot.

    `audit_event(kit)`, if given, returns the unsaved `AuditEvent` to store
    with the kit (the API's record): both are stored, or neither, and the
    event is logged once they are.
    """
    kit = unsaved_kit(assembled, created_by=created_by)
    links = [
        {"kit_id": kit.pk, "question_id": c.id, "position": i}
        for i, c in enumerate(assembled.questions, 1)
    ]
    event = audit_event(kit) if audit_event is not None else None
    # Rows nothing listens to, written once and never edited: see inserts.py. On PostgreSQL
    # the three INSERTs are one statement.
    inserts.insert([kit] if event is None else [kit, event], values={KitQuestion: links})
    if event is not None:
        audit.log(event)
    return kit
