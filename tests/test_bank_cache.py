"""The bank cache: kits read the bank once per change, and never what the bank no longer holds."""

import uuid

import orjson
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from questionbank import bank_cache, kits, questions
from questionbank.kits import assemble_kit
from questionbank.models import BankVersion, KitTemplate, Question, Role, RubricLevel
from tests.factories import (
    CompetencyFactory,
    CompetencyRubricLevelFactory,
    QuestionFactory,
    RoleCompetencyFactory,
    RoleFactory,
    RoleScreeningQuestionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def role():
    """An entry-level role with one competency of three active questions."""
    role = RoleFactory(slug="agent", level="entry")
    competency = CompetencyFactory(slug="empathy", name_en="Empathy")
    RoleCompetencyFactory(role=role, competency=competency, weight=5, essential=True)
    for score in range(1, 6):
        CompetencyRubricLevelFactory(competency=competency, score=score)
    for i in range(3):
        QuestionFactory(
            code=f"empathy-{i}",
            competency=competency,
            for_entry=True,
            type="behavioural",
            expected_minutes=5,
            rubric=False,
        )
    RoleFactory(slug="other-role", level="entry")
    return role


def kit_codes(role, **options) -> list[str]:
    options = {"stage": "final", "questions_per_competency": 3, "seed": 1, **options}
    kit = assemble_kit(role=role, **options)
    return sorted(q["code"] for s in kit.sections for q in s["questions"])


def token():
    return BankVersion.objects.values_list("token", flat=True).first()


def test_a_warm_cache_assembles_with_one_query(role, django_assert_num_queries):
    assert kit_codes(role) == ["empathy-0", "empathy-1", "empathy-2"]
    with django_assert_num_queries(1):  # the bank's version token
        assert kit_codes(role) == ["empathy-0", "empathy-1", "empathy-2"]


def retire_with_save(question):
    question.status = Question.Status.RETIRED
    question.save()


def retire_with_queryset_update(question):
    Question.objects.filter(pk=question.pk).update(status=Question.Status.RETIRED)


def retire_with_the_service(question):
    questions.retire_question(question=question)


def restrict_to_another_role(question):
    question.roles.add(Role.objects.get(slug="other-role"))


def move_to_another_competency(question):
    Question.objects.filter(pk=question.pk).update(competency=CompetencyFactory())


def delete(question):
    question.delete()


@pytest.mark.parametrize(
    "take_out",
    [
        retire_with_save,
        retire_with_queryset_update,
        retire_with_the_service,
        restrict_to_another_role,
        move_to_another_competency,
        delete,
    ],
)
def test_a_question_taken_out_of_the_bank_is_never_chosen_again(role, take_out):
    assert "empathy-1" in kit_codes(role)
    take_out(Question.objects.get(code="empathy-1"))
    for seed in range(5):
        assert kit_codes(role, seed=seed) == ["empathy-0", "empathy-2"]


def test_retiring_through_the_admin_action_reaches_the_next_kit(role, admin_client):
    assert "empathy-1" in kit_codes(role)
    response = admin_client.post(
        reverse("admin:questionbank_question_changelist"),
        {"action": "retire", "_selected_action": [Question.objects.get(code="empathy-1").pk]},
    )
    assert response.status_code == 302
    assert kit_codes(role) == ["empathy-0", "empathy-2"]


def test_retiring_through_the_api_reaches_the_next_kit(role, recruiter_api, interviewer_api):
    body = {"role": "agent", "stage": "final", "questions_per_competency": 3, "seed": 1}
    assert interviewer_api.post("/api/v1/kits/", body, format="json").status_code == 201
    assert recruiter_api.post("/api/v1/questions/empathy-1/retire/").status_code == 200
    kit = interviewer_api.post("/api/v1/kits/", body, format="json").json()
    assert [q["code"] for q in kit["sections"][0]["questions"]] != []
    assert "empathy-1" not in [q["code"] for s in kit["sections"] for q in s["questions"]]
    assert kit["warnings"][0]["code"] == "not_enough_questions"


def test_a_new_active_question_is_offered_at_once(role):
    kit_codes(role)
    QuestionFactory(code="empathy-new", competency=role.competencies.get(), for_entry=True)
    assert "empathy-new" in kit_codes(role, questions_per_competency=4)


def texts(role, language="en"):
    kit = assemble_kit(
        role=role, stage="final", questions_per_competency=3, seed=1, language=language
    )
    return {q["code"]: q for s in kit.sections for q in s["questions"]}, kit


def test_edited_texts_and_rubrics_reach_the_next_kit(role):
    before, _ = texts(role)
    question = Question.objects.get(code="empathy-0")
    question.text_en = "Tell me about a customer you calmed down."
    question.save()
    RubricLevel.objects.create(question=question, score=3, label_en="Solid", anchor_en="Specific.")
    competency = question.competency
    competency.rubric_levels.filter(score=5).update(anchor_en="Vivid, measured, reflective.")
    after, _ = texts(role)
    assert before["empathy-0"]["text"] != after["empathy-0"]["text"]
    assert after["empathy-0"]["text"] == "Tell me about a customer you calmed down."
    assert after["empathy-0"]["rubric_source"] == "question"
    assert after["empathy-1"]["rubric"][4]["anchor"] == "Vivid, measured, reflective."


def test_a_translation_added_later_replaces_the_english_fallback(role):
    _, kit = texts(role, "nl")
    assert "questions.empathy-0.text" in kit.fallbacks
    question = Question.objects.get(code="empathy-0")
    question.text_nl = "Vertel over een klant die u hebt gekalmeerd."
    question.save()
    after, kit = texts(role, "nl")
    assert after["empathy-0"]["text"] == "Vertel over een klant die u hebt gekalmeerd."
    assert "questions.empathy-0.text" not in kit.fallbacks


def test_the_role_plan_follows_weights_templates_and_screening(role):
    kit = assemble_kit(role=role, stage="final", seed=1)
    assert [s["competency"]["weight"] for s in kit.sections] == [5]
    role.role_competencies.update(weight=2)
    second = CompetencyFactory(slug="listening")
    RoleCompetencyFactory(role=role, competency=second, weight=4)
    QuestionFactory(competency=second, for_entry=True)
    kit = assemble_kit(role=role, stage="final", seed=1)
    assert [s["competency"]["slug"] for s in kit.sections] == ["listening", "empathy"]

    template = KitTemplate.objects.create(
        role=role, stage="final", time_budget_minutes=30, questions_per_competency=1
    )
    assert len(assemble_kit(role=role, stage="final", seed=1).sections) == 2
    template.competencies.add(second)
    kit = assemble_kit(role=role, stage="final", seed=1)
    assert [s["competency"]["slug"] for s in kit.sections] == ["listening"]
    template.competencies.clear()
    assert len(assemble_kit(role=role, stage="final", seed=1).sections) == 2
    template.include_screening = True
    template.save()
    kit = assemble_kit(role=role, stage="final", seed=1)
    assert kit.screening == []
    RoleScreeningQuestionFactory(role=role, question__text_en="Can you work weekends?")
    kit = assemble_kit(role=role, stage="final", seed=1)
    assert [item["text"] for item in kit.screening] == ["Can you work weekends?"]


def test_a_change_made_by_another_process_is_seen_through_the_token(role):
    """Another server's change: the rows change and the token with them, nothing local runs."""
    assert "empathy-1" in kit_codes(role)
    with connection.cursor() as cursor:  # not through the ORM: no signal, no local forget
        cursor.execute(
            "UPDATE questionbank_question SET status = 'retired' WHERE code = 'empathy-1'"
        )
    # Without a new token this process keeps its copy (so the next check means something) ...
    assert "empathy-1" in kit_codes(role)
    BankVersion.objects.filter(pk=1).update(token=uuid.uuid4())  # ... with one, it reloads
    assert kit_codes(role) == ["empathy-0", "empathy-2"]


# Real transactions: inside the test's own, every change would share one token.
@pytest.mark.django_db(transaction=True)
def test_changes_in_one_transaction_replace_the_token_once(role):
    before = token()
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        for question in Question.objects.all():
            question.text_en += " (edited)"
            question.save()
    bumps = [q for q in queries.captured_queries if "questionbank_bankversion" in q["sql"]]
    assert len(bumps) == 1
    assert token() != before


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_does_not_swallow_the_next_change(role):
    with transaction.atomic():
        first = token()
        try:
            with transaction.atomic():
                QuestionFactory(competency=role.competencies.get(), for_entry=True)
                raise RuntimeError("abandon")
        except RuntimeError:
            pass
        assert token() == first  # the savepoint's new token went with it
        retire_with_save(Question.objects.get(code="empathy-1"))
        assert token() != first


def test_a_kit_assembled_mid_transaction_does_not_hide_later_changes(role):
    """A process reads its own uncommitted changes: its copy is dropped on every change."""
    with transaction.atomic():
        retire_with_save(Question.objects.get(code="empathy-0"))
        assert kit_codes(role) == ["empathy-1", "empathy-2"]
        retire_with_save(Question.objects.get(code="empathy-1"))
        assert kit_codes(role) == ["empathy-2"]


def test_an_unknown_role_is_not_remembered_as_missing():
    bank = bank_cache.current()
    assert bank.role("late-role") is None
    RoleFactory(slug="late-role", level="entry")
    assert bank.role("late-role").slug == "late-role"  # even on the copy taken before


def test_the_snapshot_memory_is_bounded_and_keeps_the_most_recently_used(role):
    bank = bank_cache.current()
    ids = list(Question.objects.order_by("pk").values_list("pk", flat=True))
    texts = {pk: orjson.dumps(snapshot) for pk, (snapshot, _) in bank.snapshots(ids, "en").items()}
    bank = bank_cache.BankCache(bank.token)
    bank._snapshot_budget = len(texts[ids[-1]]) + len(texts[ids[-2]])
    assert set(bank.snapshots(ids, "en")) == set(ids)
    assert list(bank._snapshots) == [(ids[-2], "en"), (ids[-1], "en")]
    assert bank._snapshot_bytes == bank._snapshot_budget
    bank.snapshots([ids[-2]], "en")  # used again: now the last to go
    bank.snapshots([ids[0]], "en")
    assert list(bank._snapshots) == [(ids[-2], "en"), (ids[0], "en")]


def test_the_snapshot_budget_is_the_setting(settings):
    settings.BANK_CACHE_MB = 3
    assert bank_cache.BankCache("token")._snapshot_budget == 3 * 1024 * 1024


def test_a_kept_snapshot_comes_back_whole_and_as_a_copy_of_its_own(role):
    bank = bank_cache.current()
    pk = Question.objects.filter(competency__slug="empathy").values_list("pk", flat=True)[0]
    first, fallbacks = bank.snapshots([pk], "nl")[pk]
    assert len(first["rubric"]) == 5
    first["text"] = "changed by one kit"
    first["rubric"].clear()
    kept, kept_fallbacks = bank.snapshots([pk], "nl")[pk]
    assert kept["text"] != "changed by one kit"
    assert len(kept["rubric"]) == 5
    assert kept_fallbacks == fallbacks
    assert kept == bank_cache.BankCache(bank.token).snapshots([pk], "nl")[pk][0]


@pytest.fixture
def big_role():
    """An entry-level role with one competency of 60 active questions, no rubric of their own."""
    role = RoleFactory(slug="big", level="entry")
    competency = CompetencyFactory(slug="listening")
    RoleCompetencyFactory(role=role, competency=competency, weight=5, essential=True)
    for score in range(1, 6):
        CompetencyRubricLevelFactory(competency=competency, score=score)
    QuestionFactory.create_batch(60, competency=competency, rubric=False)
    return role


def kept_ids(bank) -> set[int]:
    return {pk for pk, _ in bank._snapshots}


def test_a_kit_reads_ahead_the_next_candidates_of_its_pools_in_the_same_query(big_role):
    bank = bank_cache.current()
    options = {"role": big_role, "stage": "final", "questions_per_competency": 1, "bank": bank}
    for seed in range(kits.READ_AHEAD_AFTER_KITS):  # a role kits are made for again and again
        assemble_kit(seed=seed, **options)
    bank._snapshots.clear()
    bank._snapshot_bytes = 0
    with CaptureQueriesContext(connection) as queries:
        kit = assemble_kit(seed=4, **options)
    asked = kit.questions[0].id
    pool = kits.candidate_pools(kit.plan, bank)[kit.plan.competencies[0].competency_id]
    ahead = [c.id for c in pool if c.id != asked][: kits.READ_AHEAD_PER_POOL]
    assert len(ahead) == kits.READ_AHEAD_PER_POOL > 0
    assert kept_ids(bank) == {asked, *ahead}
    assert len(queries) == 1


def snapshot_queries(role, seeds) -> int:
    """The queries reading question snapshots, for kits of one question with these seeds,
    once the role has had the kits after which kits read ahead."""
    bank = bank_cache.current()
    for seed in range(kits.READ_AHEAD_AFTER_KITS):
        assemble_kit(role=role, stage="final", questions_per_competency=1, seed=1000 + seed)
    bank._snapshots.clear()
    bank._snapshot_bytes = 0
    with CaptureQueriesContext(connection) as queries:
        for seed in seeds:
            assemble_kit(role=role, stage="final", questions_per_competency=1, seed=seed, bank=bank)
    table = RubricLevel._meta.db_table
    return sum(1 for query in queries if f'JOIN "{table}"' in query["sql"])


def test_reading_ahead_warms_the_cache_in_a_fraction_of_the_queries(big_role, monkeypatch):
    with_reading_ahead = snapshot_queries(big_role, range(200))
    bank_cache.forget()
    monkeypatch.setattr(kits, "READ_AHEAD_PER_POOL", 0)
    without = snapshot_queries(big_role, range(200))
    assert without >= 20
    assert with_reading_ahead * 2 <= without  # 6 to 13 against 41 to 50 (random shuffle keys)


def test_a_role_s_first_kits_read_only_their_own_questions(big_role, monkeypatch):
    """Reading ahead costs about a millisecond: paid only for a role kits are made for again
    and again, not for one asked for once in a while."""
    bank = bank_cache.current()
    read = []
    load = bank._load_snapshots
    monkeypatch.setattr(
        bank, "_load_snapshots", lambda ids, language: read.append(list(ids)) or load(ids, language)
    )
    options = {"role": big_role, "stage": "final", "questions_per_competency": 1, "bank": bank}
    for seed in range(kits.READ_AHEAD_AFTER_KITS):
        bank._snapshots.clear()
        bank._snapshot_bytes = 0
        asked = assemble_kit(seed=seed, **options).questions[0].id
        assert read[-1] == [asked]
    bank._snapshots.clear()
    bank._snapshot_bytes = 0
    assemble_kit(seed=99, **options)
    assert len(read[-1]) == 1 + kits.READ_AHEAD_PER_POOL
    # In another language the role starts again.
    assemble_kit(seed=99, language="de", **options)
    assert len(read[-1]) == 1


def test_nothing_is_read_ahead_once_the_snapshot_cache_is_full(big_role, monkeypatch):
    bank = bank_cache.current()
    read = []
    load = bank._load_snapshots

    def recording_load(ids, language):
        read.append(list(ids))
        return load(ids, language)

    monkeypatch.setattr(bank, "_load_snapshots", recording_load)
    options = {"role": big_role, "stage": "final", "questions_per_competency": 1, "bank": bank}
    bank._kits[(big_role.pk, "en")] = kits.READ_AHEAD_AFTER_KITS
    bank._snapshots.clear()
    bank._snapshot_bytes = 0
    asked = assemble_kit(seed=5, **options).questions[0].id
    assert read[-1] == [asked, *read[-1][1:]]
    assert len(read[-1]) == 1 + kits.READ_AHEAD_PER_POOL
    bank._snapshot_budget = bank._snapshot_bytes  # full
    for seed in range(6, 200):
        kept = kept_ids(bank)
        asked = assemble_kit(seed=seed, **options).questions[0].id
        if asked not in kept:
            break
    assert asked not in kept
    assert read[-1] == [asked]


def window_by_scanning(deck, start, size, *, role_id, types, excluded):
    """`Deck.window` as first written: every question from `start` looked at in turn."""
    import bisect

    found, count = [], len(deck.keys)
    first = bisect.bisect_left(deck.keys, start)
    for offset in range(count):
        i = (first + offset) % count
        candidate, roles = deck.candidates[i], deck.roles[i]
        if (
            candidate.type in types
            and candidate.id not in excluded
            and (roles is None or role_id in roles)
        ):
            found.append(candidate)
            if len(found) == size:
                break
    return found


@pytest.mark.django_db(False)
@settings(max_examples=300, deadline=None)
@given(
    questions=st.lists(
        st.tuples(
            st.integers(0, 50),
            st.sampled_from(["behavioural", "situational", "knowledge"]),
            st.none() | st.frozensets(st.integers(1, 3), min_size=1),
        ),
        max_size=30,
    ),
    start=st.integers(0, 60),
    size=st.integers(1, 12),
    role_id=st.integers(1, 3),
    types=st.sets(st.sampled_from(["behavioural", "situational", "knowledge"]), min_size=1),
    excluded=st.sets(st.integers(0, 29), max_size=5),
)
def test_a_window_is_what_scanning_the_whole_deck_finds(
    questions, start, size, role_id, types, excluded
):
    from questionbank.bank_cache import Candidate, Deck

    deck = Deck()
    for pk, (key, type_, roles) in sorted(enumerate(questions), key=lambda q: (q[1][0], q[0])):
        deck.keys.append(key)
        deck.candidates.append(Candidate(pk, 1, type_, 5))
        deck.roles.append(roles)
    arguments = {"role_id": role_id, "types": types, "excluded": excluded}
    expected = window_by_scanning(deck, start, size, **arguments)
    assert deck.window(start, size, **arguments) == expected
    assert deck.window(start, size, **arguments) == expected  # from the view kept
    assert deck.window(start, size, **{**arguments, "excluded": set()}) == window_by_scanning(
        deck, start, size, **{**arguments, "excluded": set()}
    )
