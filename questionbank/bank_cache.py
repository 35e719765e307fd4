"""What kit assembly reads of the bank, kept in each process and checked on every use.

Assembling a kit reads the role's plan, a window of every competency's
shuffled deck and the chosen questions with their rubrics: about ten
queries and most of a request's time. The bank changes seldom (recruiters
edit, imports run) and is read on every kit, so each process keeps what it
has read in a `BankCache`, labelled with the bank's version token
(`BankVersion`), and reads the token, one indexed row, before every use (on
PostgreSQL only after its connection has heard of a write to the token, see
postgresql/base.py):

- every change to the content replaces the token in the change's own
  transaction (`models.bank_changed`): saves and deletes through the signals
  connected here, m2m changes too, and `update()` / `bulk_create()` /
  `bulk_update()` through `ContentQuerySet`. Other processes and servers see
  the new token when the change commits, and start a new cache;
- the cache is filled lazily, piece by piece (a role's plan, a competency's
  deck for one role level, a question's snapshot in one language), each
  read after the token, so a piece is never older than its label;
- what it holds is small: a deck keeps four numbers and a type per active
  question; snapshots (the texts of one question in one language) are kept
  as JSON text, the most recently used up to `BANK_CACHE_MB` megabytes
  (about 11,000 of the shipped content's snapshots, 3 KB each, with the
  default; as Python objects they took two to three times as much).

Writes that bypass the ORM (raw SQL, a data migration) do not replace the
token: restart the app servers after one, as after any deployment.
"""

import bisect
import contextlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import orjson
from django.conf import settings
from django.db import connections, router
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import translation

from . import screening
from .languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, translated
from .models import (
    BankVersion,
    Competency,
    CompetencyRubricLevel,
    KitTemplate,
    Question,
    Role,
    RoleCompetency,
    RoleScreeningQuestion,
    RubricLevel,
    ScreeningOption,
    ScreeningQuestion,
    bank_changed,
)

# Filtered views of a deck kept (one per role and set of types asking for it).
VIEWS_PER_DECK = 64

CONTENT_MODELS = [
    Competency,
    CompetencyRubricLevel,
    Role,
    RoleCompetency,
    Question,
    Question.roles.through,
    RubricLevel,
    KitTemplate,
    KitTemplate.competencies.through,
    ScreeningQuestion,
    ScreeningOption,
    RoleScreeningQuestion,
]

_lock = threading.Lock()
_current = None


def current(using: str = "default") -> "BankCache":
    """This process's copy of the bank, as of the token read now (one query; none on
    PostgreSQL while the connection has heard of no change: postgresql/base.py)."""
    global _current
    cache = _current
    if cache is not None and unchanged(using, cache.token):
        return cache
    token = read_token(using)
    if cache is not None and cache.token == token:
        return cache
    with _lock:
        if _current is None or _current.token != token:
            _current = BankCache(token)
        return _current


def read_token(using: str = "default"):
    """The bank's version token as the database holds it, or None before the first change.

    One indexed row on every kit: written in SQL, since the ORM's query building costs ten
    times the query here. Compared for equality only, so left in the driver's type.
    """

    def read():
        rows = select(BankVersion, ["token"], "id", [1], using=using)
        return rows[0]["token"] if rows else None

    remembering = getattr(connections[using], "read_bank_token", None)  # PostgreSQL's
    return remembering(read) if remembering else read()


def unchanged(using: str, token) -> bool:
    """Whether the bank's token is still `token`, known without a query (PostgreSQL only)."""
    known = getattr(connections[using], "bank_unchanged", None)
    return known is not None and known(token)


def forget() -> None:
    """Drop this process's copy (its own changes, committed or not, are in the next one)."""
    global _current
    _current = None


class Candidate(NamedTuple):
    """What choosing needs to know of a question; the chosen ones are loaded in full."""

    id: int
    competency_id: int
    type: str
    expected_minutes: int


@dataclass
class Deck:
    """A competency's active questions for one role level, in shuffle-key order."""

    keys: list[int] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    # Per candidate: the roles it is restricted to, or None for every role.
    roles: list[frozenset | None] = field(default_factory=list)

    # The deck as one role sees it for one set of types, filtered once and sliced per kit.
    views: dict = field(default_factory=dict, repr=False, compare=False)

    def view(self, role_id, types) -> tuple[list[int], list[Candidate]]:
        """The keys and candidates of the types asked for that the role may ask, in order."""
        key = (role_id, frozenset(types))
        view = self.views.get(key)
        if view is None:
            if len(self.views) >= VIEWS_PER_DECK:
                self.views.clear()
            keep = [
                i
                for i, candidate in enumerate(self.candidates)
                if candidate.type in types and (self.roles[i] is None or role_id in self.roles[i])
            ]
            view = self.views[key] = (
                [self.keys[i] for i in keep],
                [self.candidates[i] for i in keep],
            )
        return view

    def window(self, start: int, size: int, *, role_id, types, excluded) -> list[Candidate]:
        """The first `size` suitable candidates from `start`, wrapping round to the beginning."""
        keys, candidates = self.view(role_id, types)
        first = bisect.bisect_left(keys, start)
        if not excluded:
            found = candidates[first : first + size]
            return found + candidates[: min(first, size - len(found))]
        found = []
        count = len(candidates)
        for offset in range(count):
            candidate = candidates[(first + offset) % count]
            if candidate.id not in excluded:
                found.append(candidate)
                if len(found) == size:
                    break
        return found


class BankCache:
    def __init__(self, token):
        self.token = token
        self._roles = {}
        self._links = {}
        self._templates = {}
        self._decks = {}
        self._default_rubrics = {}
        # (question id, language): (the snapshot's JSON text, the paths that fell back).
        self._snapshots = OrderedDict()
        self._snapshot_bytes = 0
        self._snapshot_budget = settings.BANK_CACHE_MB * 2**20
        self._snapshots_lock = threading.Lock()
        self._screening = {}
        # Kits assembled per (role id, language) with this copy: see `count_kit`.
        self._kits = Counter()

    def count_kit(self, role_id: int, language: str) -> int:
        """Count a kit of the role in the language: how many so far, this one included.

        Kits read ahead only for a role kits are made for again and again: reading ahead
        costs about a millisecond, paid back only by the role's next kits."""
        key = (role_id, language)
        self._kits[key] += 1
        return self._kits[key]

    def role(self, slug: str) -> Role | None:
        """The role with this slug, or None (not remembered: any string may be asked for)."""
        role = self._roles.get(slug)
        if role is None:
            role = Role.objects.filter(slug=slug).first()
            if role is not None:
                self._roles[slug] = role
        return role

    def links(self, role: Role) -> list[RoleCompetency]:
        """The role's competencies with their weights, most important first."""
        if role.pk not in self._links:
            self._links[role.pk] = list(
                RoleCompetency.objects.filter(role=role)
                .select_related("competency")
                .order_by("-weight", "-essential", "competency__slug")
            )
        return self._links[role.pk]

    def template(self, role: Role, stage: str) -> tuple[KitTemplate | None, list[Competency]]:
        """The role's kit template for the stage, if any, and the competencies it names."""
        key = (role.pk, stage)
        if key not in self._templates:
            template = (
                KitTemplate.objects.filter(role=role, stage=stage)
                .prefetch_related("competencies")
                .first()
            )
            named = list(template.competencies.all()) if template else []
            self._templates[key] = (template, named)
        return self._templates[key]

    def decks(self, competency_ids, level: str) -> dict[int, Deck]:
        """Each competency's deck for the role level; the missing ones in two queries."""
        missing = [pk for pk in competency_ids if (pk, level) not in self._decks]
        if missing:
            for pk, deck in load_decks(missing, level).items():
                self._decks[(pk, level)] = deck
        return {pk: self._decks[(pk, level)] for pk in competency_ids}

    def default_rubrics(self, competency_ids) -> dict[int, list[dict]]:
        """Each competency's default rubric levels, as rows with every language's columns."""
        missing = [pk for pk in competency_ids if pk not in self._default_rubrics]
        if missing:
            levels = {pk: [] for pk in missing}
            for row in (
                CompetencyRubricLevel.objects.filter(competency_id__in=missing)
                .order_by("score")
                .values("competency_id", "score", *columns("label"), *columns("anchor"))
            ):
                levels[row["competency_id"]].append(row)
            self._default_rubrics.update(levels)
        return {pk: self._default_rubrics[pk] for pk in competency_ids}

    def snapshots(
        self, ids: list[int], language: str, likely: Sequence[int] = ()
    ) -> dict[int, tuple[dict, tuple[str, ...]]]:
        """Each question's snapshot in the language, with the paths that fell back to English.

        Each call gets snapshots of its own, decoded from the text kept (a few microseconds
        each). The missing ones cost one query (and one more for the default rubrics of
        competencies not seen yet), reading only the language's columns. That query also
        reads the questions `likely` to be asked next that are not kept (see `_worth_reading`).
        """
        found, kept, missing = {}, {}, []
        for pk in ids:
            entry = self._snapshots.get((pk, language))
            if entry is None:
                missing.append(pk)
            else:
                with contextlib.suppress(KeyError):  # another thread may have just evicted it
                    self._snapshots.move_to_end((pk, language))
                kept[pk] = entry
        if missing:
            ahead = self._worth_reading(likely, language)
            loaded = self._load_snapshots(list(dict.fromkeys(missing + ahead)), language)
            self._keep(language, loaded)
            found.update(
                (pk, (loaded[pk][0], tuple(loaded[pk][1]))) for pk in missing if pk in loaded
            )
        for pk, (text, fallbacks) in kept.items():
            found[pk] = orjson.loads(text), fallbacks
        return found

    def _worth_reading(self, likely: Sequence[int], language: str) -> list[int]:
        """Of the questions likely to be asked next, those to read with a query made anyway:
        the ones not kept, while the cache is under its budget. A role's decks at 100k
        questions hold about 9,000: read only as kits asked for them, a process took ten
        thousand kits of the role to warm up, with one more query every other kit. Once the
        cache is full, reading ahead would only evict what kits asked for."""
        if self._snapshot_bytes >= self._snapshot_budget:
            return []
        return [pk for pk in likely if (pk, language) not in self._snapshots]

    def _keep(self, language: str, snapshots: dict) -> None:
        """Keep the snapshots as JSON text, dropping the least recently used over the budget."""
        with self._snapshots_lock:
            for pk, (snapshot, fallbacks) in snapshots.items():
                text = orjson.dumps(snapshot)
                # Loaded by another thread meanwhile: replaced, and counted once.
                old = self._snapshots.pop((pk, language), None)
                if old is not None:
                    self._snapshot_bytes -= len(old[0])
                self._snapshots[(pk, language)] = (text, tuple(fallbacks))
                self._snapshot_bytes += len(text)
            while self._snapshot_bytes > self._snapshot_budget and self._snapshots:
                text, _ = self._snapshots.popitem(last=False)[1]
                self._snapshot_bytes -= len(text)

    def _load_snapshots(self, ids, language) -> dict[int, tuple[dict, list[str]]]:
        texts = [c for name in ("text", "probes", "guidance") for c in columns(name, language)]
        names = ["id", "code", "competency_id", "type", "expected_minutes", *texts]
        levels = ["score", *columns("label", language), *columns("anchor", language)]
        found = questions_with_levels(names, levels, ids)
        defaults = self.default_rubrics(sorted({row["competency_id"] for row, _ in found.values()}))
        return {
            pk: question_snapshot(row, own, defaults[row["competency_id"]], language)
            for pk, (row, own) in found.items()
        }

    def screening(self, role: Role, language: str) -> tuple[list[dict], list[str]]:
        key = (role.pk, language)
        if key not in self._screening:
            self._screening[key] = screening_snapshot(role, language)
        return self._screening[key]


def load_decks(competency_ids, level: str) -> dict[int, Deck]:
    """The competencies' active questions of the level, and their role restrictions."""
    questions = Question.objects.active().for_level(level).filter(competency_id__in=competency_ids)
    restricted = {}
    for question_id, role_id in Question.roles.through.objects.filter(
        question__in=questions.values("pk")
    ).values_list("question_id", "role_id"):
        restricted.setdefault(question_id, set()).add(role_id)
    decks = {pk: Deck() for pk in competency_ids}
    rows = questions.order_by("shuffle_key", "pk").values_list(
        "competency_id", "shuffle_key", "pk", "type", "expected_minutes"
    )
    for competency_id, key, pk, type_, minutes in rows:
        deck = decks[competency_id]
        deck.keys.append(key)
        deck.candidates.append(Candidate(pk, competency_id, type_, minutes))
        roles = restricted.get(pk)
        deck.roles.append(frozenset(roles) if roles else None)
    return decks


def select(model, names: list[str], key: str, values: list, *, using: str = "") -> list[dict]:
    """The model's rows whose field `key` is one of `values`: each a dict of the fields `names`.

    For the bank's token, read before kits (the snapshots of questions not seen yet are read
    by `questions_with_levels`), written in SQL from the model's meta: building it with the
    ORM costs ten times the query. `using` defaults to the router's choice.
    """
    if not values:
        return []
    connection = connections[using or router.db_for_read(model)]
    name, meta = connection.ops.quote_name, model._meta
    column = lambda field: name(meta.get_field(field).column)  # noqa: E731
    sql = "SELECT {} FROM {} WHERE {} IN ({})".format(
        ", ".join(column(field) for field in names),
        name(meta.db_table),
        column(key),
        ", ".join(["%s"] * len(values)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(values))
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def questions_with_levels(names: list[str], levels: list[str], ids: list[int]) -> dict:
    """The questions with these ids, each with its own rubric levels in order of score, in one
    query (reading a question the process has not seen is on the path of a kit): by id, the
    question's fields `names` (the first is "id") and a list of its levels' fields `levels`,
    empty for a question that falls back to its competency's rubric."""
    if not ids:
        return {}
    connection = connections[router.db_for_read(Question)]
    name = connection.ops.quote_name
    questions, rubric = Question._meta, RubricLevel._meta
    question_id = f"q.{name(questions.pk.column)}"

    def column(meta, alias, field):
        return f"{alias}.{name(meta.get_field(field).column)}"

    sql = (
        "SELECT {}, {} FROM {} q LEFT JOIN {} r ON {} = {} WHERE {} IN ({}) ORDER BY {}, {}".format(
            ", ".join(column(questions, "q", field) for field in names),
            ", ".join(column(rubric, "r", field) for field in levels),
            name(questions.db_table),
            name(rubric.db_table),
            column(rubric, "r", "question"),
            question_id,
            question_id,
            ", ".join(["%s"] * len(ids)),
            question_id,
            column(rubric, "r", "score"),
        )
    )
    split, found = len(names), {}
    with connection.cursor() as cursor:
        cursor.execute(sql, list(ids))
        for row in cursor.fetchall():
            entry = found.get(row[0])
            if entry is None:
                entry = found[row[0]] = (dict(zip(names, row[:split], strict=True)), [])
            if row[split] is not None:  # a LEFT JOIN's row without a level: no rubric of its own
                entry[1].append(dict(zip(levels, row[split:], strict=True)))
    return found


def columns(name: str, language: str | None = None) -> list[str]:
    """A translated field's columns: the language's and English, or every language's."""
    languages = SUPPORTED_LANGUAGES if language is None else {language, DEFAULT_LANGUAGE}
    return [f"{name}_{code}" for code in SUPPORTED_LANGUAGES if code in languages]


def question_snapshot(row: dict, own: list[dict], default_rubric: list[dict], language: str):
    """What a kit shows of a question (a row of its columns), and what fell back to English."""
    fallbacks = []
    path = f"questions.{row['code']}"

    def text(source, name, at):
        value = source.get(f"{name}_{language}")
        if value or language == DEFAULT_LANGUAGE:
            return value or ""
        fallbacks.append(f"{at}.{name}")
        return source.get(f"{name}_{DEFAULT_LANGUAGE}") or ""

    probes = text(row, "probes", path)
    snapshot = {
        "id": row["id"],
        "code": row["code"],
        "type": row["type"],
        "expected_minutes": row["expected_minutes"],
        "text": text(row, "text", path),
        "probes": [line.strip() for line in probes.splitlines() if line.strip()],
        "guidance": text(row, "guidance", path),
        "rubric_source": "question" if own else "competency",
        "rubric": [
            {
                "score": level["score"],
                "label": text(level, "label", f"{path}.rubric.{level['score']}"),
                "anchor": text(level, "anchor", f"{path}.rubric.{level['score']}"),
            }
            for level in own or default_rubric
        ],
    }
    return snapshot, fallbacks


def screening_snapshot(role: Role, language: str) -> tuple[list[dict], list[str]]:
    """The role's screening questionnaire as a kit's opening section, in the language."""
    fallbacks = []

    def text(instance, name, path):
        value, fell_back = translated(instance, name, language)
        if fell_back and value:
            fallbacks.append(f"{path}.{name}")
        return value

    with translation.override(language):
        items = [
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
            for item in screening.questionnaire(role)
        ]
    return items, fallbacks


def _changed(sender, using="default", **kwargs):
    bank_changed(using)


def _m2m_changed(sender, action, using="default", **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        bank_changed(using)


for _model in CONTENT_MODELS:
    post_save.connect(_changed, sender=_model, dispatch_uid=f"bank-save-{_model._meta.label}")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"bank-delete-{_model._meta.label}")
for _through in (Question.roles.through, KitTemplate.competencies.through):
    m2m_changed.connect(
        _m2m_changed, sender=_through, dispatch_uid=f"bank-m2m-{_through._meta.label}"
    )
