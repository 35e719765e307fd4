"""Fill the database with a synthetic bank for benchmarks: `manage.py generate_bank --questions N`.

Roles, competencies (with default rubrics) and N questions, each with five
rubric levels, every text in the four languages, written with bulk inserts
(100,000 questions and 500,000 rubric levels in about a minute on SQLite
and PostgreSQL on a 2-core machine). Texts are templated from a small
contact-centre vocabulary so they have realistic length; they are not meant
to be read.
"""

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from questionbank.analyze import refresh_statistics
from questionbank.models import (
    Competency,
    CompetencyRubricLevel,
    Level,
    Question,
    Role,
    RoleCompetency,
    RubricLevel,
)

LANGUAGES = ("en", "nl", "de", "it")
BATCH = 2000
# What the generator writes: their statistics are refreshed afterwards.
BANK_MODELS = [Competency, CompetencyRubricLevel, Role, RoleCompetency, Question, RubricLevel]
SITUATIONS = [
    "a customer who was angry about a late delivery",
    "a caller who wanted to cancel a contract",
    "a colleague who missed a handover",
    "a week when the queue never emptied",
    "a complaint that reached your manager",
    "a new system introduced without warning",
    "a target that seemed out of reach",
    "a customer in financial difficulty",
]
ANCHORS = {
    1: "No example, or one that shows the opposite of what the role needs.",
    2: "A vague example; the candidate describes intentions more than actions.",
    3: "A clear, specific example with a sensible approach and a reasonable result.",
    4: "As 3, with a measurable result and clear ownership of the next steps.",
    5: "A vivid example with measurable results, reflection and what changed afterwards.",
}
LABELS = {1: "Poor", 2: "Weak", 3: "Competent", 4: "Strong", 5: "Outstanding"}


def translated(name: str, text: str) -> dict:
    return {f"{name}_{lang}": f"[{lang}] {text}" if lang != "en" else text for lang in LANGUAGES}


class Command(BaseCommand):
    help = "Generate a synthetic bank of N questions (with rubrics, four languages) in bulk."

    def add_arguments(self, parser):
        parser.add_argument("--questions", type=int, required=True)
        parser.add_argument("--competencies", type=int, default=40)
        parser.add_argument("--roles", type=int, default=30)
        parser.add_argument("--competencies-per-role", type=int, default=6)
        parser.add_argument("--prefix", default="synthetic")
        parser.add_argument("--seed", type=int, default=1)

    def handle(
        self, *args, questions, competencies, roles, competencies_per_role, prefix, seed, **options
    ):
        if questions < 1 or competencies < 1 or roles < 1:
            raise CommandError("--questions, --competencies and --roles must be at least 1.")
        if Competency.objects.filter(slug__startswith=f"{prefix}-").exists():
            raise CommandError(f"A bank with prefix {prefix!r} exists; choose another --prefix.")
        rng = random.Random(seed)
        start = time.perf_counter()
        with transaction.atomic():
            comps = self.make_competencies(prefix, competencies)
            self.make_roles(prefix, roles, comps, min(competencies_per_role, len(comps)), rng)
            made = self.make_questions(prefix, questions, comps, rng)
        refresh_statistics(BANK_MODELS)
        elapsed = time.perf_counter() - start
        self.stdout.write(
            f"Generated {made} questions ({made * 5} rubric levels), {len(comps)} competencies, "
            f"{roles} roles in {elapsed:.1f} s."
        )

    def make_competencies(self, prefix, count):
        Competency.objects.bulk_create(
            Competency(
                slug=f"{prefix}-competency-{i}",
                category=Competency.Category.values[i % len(Competency.Category.values)],
                **translated("name", f"Synthetic competency {i}"),
                **translated("description", "What the competency means on the floor."),
            )
            for i in range(count)
        )
        comps = list(Competency.objects.filter(slug__startswith=f"{prefix}-competency-"))
        CompetencyRubricLevel.objects.bulk_create(
            CompetencyRubricLevel(
                competency=comp,
                score=score,
                **translated("label", LABELS[score]),
                **translated("anchor", ANCHORS[score]),
            )
            for comp in comps
            for score in LABELS
        )
        return comps

    def make_roles(self, prefix, count, comps, per_role, rng):
        Role.objects.bulk_create(
            Role(
                slug=f"{prefix}-role-{i}",
                level=Level.values[i % 3],
                **translated("title", f"Synthetic role {i}"),
                **translated("summary", "Handles customer contacts by phone, chat and email."),
            )
            for i in range(count)
        )
        links = []
        for role in Role.objects.filter(slug__startswith=f"{prefix}-role-"):
            for rank, comp in enumerate(rng.sample(comps, per_role)):
                links.append(
                    RoleCompetency(
                        role=role, competency=comp, weight=5 - rank % 5, essential=rank < 2
                    )
                )
        RoleCompetency.objects.bulk_create(links)

    def make_questions(self, prefix, count, comps, rng):
        types = [t for t in Question.Type.values if t != Question.Type.SCREENING]
        made = 0
        for start in range(0, count, BATCH):
            batch = []
            for n in range(start, min(start + BATCH, count)):
                levels = rng.sample(Level.values, rng.randint(1, 3))
                situation = rng.choice(SITUATIONS)
                batch.append(
                    Question(
                        code=f"{prefix}-q-{n}",
                        competency=comps[n % len(comps)],
                        type=types[n % len(types)],
                        for_entry="entry" in levels,
                        for_mid="mid" in levels,
                        for_senior="senior" in levels,
                        expected_minutes=rng.randint(3, 8),
                        status=Question.Status.ACTIVE,
                        **translated("text", f"Tell me about {situation}. What did you do?"),
                        **translated("probes", "What exactly did you say?\nWhat was the result?"),
                        **translated("guidance", "Listen for a specific example and its result."),
                    )
                )
            Question.objects.bulk_create(batch)
            saved = Question.objects.filter(code__in=[q.code for q in batch]).values_list(
                "pk", flat=True
            )
            RubricLevel.objects.bulk_create(
                (
                    RubricLevel(
                        question_id=pk,
                        score=score,
                        **translated("label", LABELS[score]),
                        **translated("anchor", ANCHORS[score]),
                    )
                    for pk in saved
                    for score in LABELS
                ),
                batch_size=BATCH,
            )
            made += len(batch)
        return made
