"""How well the bank covers each role's competencies, per language.

For every competency of every role: how many active questions suit the role
and are fully written (text, probes, guidance) in each language, against
what kit assembly needs. Four queries whatever the size of the bank, but
they count every question (half a second at 100,000): the dashboard keeps
the result in the shared cache under the bank's version token, which every
change to the content replaces, so a repeated view costs one query and is
never older than the bank.
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q

from . import bank_cache
from .models import KitTemplate, Level, Question, RoleCompetency

CACHE_SECONDS = 3600

LANGUAGES = [code for code, _name in settings.LANGUAGES]
DEFAULT_NEED = 2  # questions per competency in a first interview without a template
ROUNDS = 2  # enough for a second interview that excludes the first one's questions


def written_in(language: str) -> Q:
    return (
        Q(**{f"text_{language}__gt": ""})
        & Q(**{f"probes_{language}__gt": ""})
        & Q(**{f"guidance_{language}__gt": ""})
    )


def _counts():
    return {
        f"{level}_{language}": Count(
            "id", filter=Q(**{f"for_{level}": True}) & written_in(language)
        )
        for level in Level.values
        for language in LANGUAGES
    }


def cached_coverage() -> list[dict]:
    """`coverage()` as of the bank's current version, from the cache when it has it."""
    # The token first: what is computed after it is at least as new as the token says.
    key = f"coverage:{bank_cache.read_token()}"
    rows = cache.get(key)
    if rows is None:
        rows = coverage()
        cache.set(key, rows, CACHE_SECONDS)
    return rows


def coverage() -> list[dict]:
    links = list(
        RoleCompetency.objects.select_related("role", "competency").order_by(
            "role__slug", "-weight", "competency__slug"
        )
    )
    restricted = Question.roles.through.objects.filter(question=OuterRef("pk"))
    general = {
        row.pop("competency_id"): row
        for row in Question.objects.active()
        .filter(~Exists(restricted))
        .values("competency_id")
        .order_by()  # no ordering column may split the groups
        .annotate(**_counts())
    }
    per_role = {}
    for row in (
        Question.objects.active()
        .filter(Exists(restricted))
        .values("roles", "competency_id")
        .order_by()
        .annotate(**_counts())
    ):
        per_role[(row.pop("roles"), row.pop("competency_id"))] = row
    needs = {}  # the most questions per competency any of the role's templates asks for
    for role_id, per_competency in KitTemplate.objects.values_list(
        "role_id", "questions_per_competency"
    ):
        needs[role_id] = max(needs.get(role_id, 0), per_competency)

    rows = []
    for link in links:
        level = link.role.level
        need = needs.get(link.role_id, DEFAULT_NEED)
        counts = {}
        for language in LANGUAGES:
            key = f"{level}_{language}"
            counts[language] = general.get(link.competency_id, {}).get(key, 0) + per_role.get(
                (link.role_id, link.competency_id), {}
            ).get(key, 0)
        rows.append(
            {
                "role": link.role,
                "competency": link.competency,
                "weight": link.weight,
                "essential": link.essential,
                "need": need,
                "counts": [
                    {
                        "language": language,
                        "count": count,
                        "state": "gap"
                        if count < need
                        else "thin"
                        if count < need * ROUNDS
                        else "ok",
                    }
                    for language, count in counts.items()
                ],
            }
        )
    return rows
