"""The kit assembly service, without HTTP."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionbank.kits import KitError, KitShortfall, assemble_kit, store_kit
from questionbank.models import Kit, KitTemplate, Question
from tests.factories import (
    CompetencyFactory,
    CompetencyRubricLevelFactory,
    QuestionFactory,
    RoleCompetencyFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db


def make_role(level="entry", weights=(5, 3, 1), per_competency=6, minutes=5):
    """A role with competencies of the given weights, each with `per_competency` questions."""
    role = RoleFactory(level=level)
    for weight in weights:
        competency = CompetencyFactory(slug=f"c{weight}-{role.pk}")
        RoleCompetencyFactory(
            role=role, competency=competency, weight=weight, essential=weight == 5
        )
        for i in range(per_competency):
            QuestionFactory(
                competency=competency,
                for_entry=level == "entry",
                for_mid=level == "mid",
                for_senior=level == "senior",
                type=list(Question.Type.values)[i % 4],
                expected_minutes=minutes,
            )
    return role


def codes(kit):
    return [q["code"] for section in kit.sections for q in section["questions"]]


def test_the_same_seed_gives_the_same_kit():
    role = make_role()
    first = assemble_kit(role=role, stage="first_interview", seed=42)
    second = assemble_kit(role=role, stage="first_interview", seed=42)
    assert codes(first) == codes(second)
    assert first.sections == second.sections


def test_different_seeds_give_different_kits():
    role = make_role(per_competency=8)
    kits = {
        tuple(codes(assemble_kit(role=role, stage="first_interview", seed=s))) for s in range(8)
    }
    assert len(kits) > 1


def test_without_a_seed_a_random_one_is_recorded_and_reproduces_the_kit():
    role = make_role()
    kit = assemble_kit(role=role, stage="first_interview")
    assert kit.plan.parameters["seed"] == kit.plan.seed
    again = assemble_kit(role=role, stage="first_interview", seed=kit.plan.seed)
    assert codes(again) == codes(kit)


def test_a_kit_never_repeats_a_question():
    role = make_role(per_competency=10)
    kit = assemble_kit(
        role=role, stage="final", questions_per_competency=5, time_budget_minutes=240
    )
    assert len(codes(kit)) == 15
    assert len(set(codes(kit))) == 15


def test_sections_follow_the_competency_weights():
    role = make_role(weights=(1, 5, 3))
    kit = assemble_kit(role=role, stage="first_interview", seed=1)
    assert [s["competency"]["weight"] for s in kit.sections] == [5, 3, 1]


def test_questions_of_earlier_kits_are_excluded():
    role = make_role(per_competency=4)
    first = store_kit(assemble_kit(role=role, stage="phone_screen", seed=1, time_budget_minutes=60))
    second = assemble_kit(
        role=role, stage="first_interview", seed=1, exclude_kits=[first], time_budget_minutes=60
    )
    assert set(codes(second)).isdisjoint(q.code for q in first.questions.all())
    assert second.plan.parameters["exclude_kits"] == [str(first.pk)]


def test_excluded_questions_are_not_chosen():
    role = make_role(per_competency=3)
    banned = list(Question.objects.filter(competency__role_competencies__role=role)[:3])
    assert len(banned) == 3
    kit = assemble_kit(role=role, stage="first_interview", seed=3, exclude_questions=banned)
    assert set(codes(kit)).isdisjoint(q.code for q in banned)


def test_the_time_budget_is_never_exceeded_and_covers_competencies_first():
    role = make_role(minutes=6)
    kit = assemble_kit(role=role, stage="first_interview", time_budget_minutes=20, seed=5)
    assert kit.total_minutes <= 20
    # 20 minutes fit three 6-minute questions: one per competency before any second one.
    assert [len(s["questions"]) for s in kit.sections] == [1, 1, 1]
    assert {w["code"] for w in kit.warnings} == {"time_budget"}


def test_only_questions_for_the_role_level_are_chosen():
    role = make_role(level="mid")
    competency = role.role_competencies.first().competency
    QuestionFactory.create_batch(5, competency=competency, for_entry=True, for_mid=False)
    kit = assemble_kit(
        role=role, stage="final", questions_per_competency=6, seed=2, time_budget_minutes=240
    )
    chosen = Question.objects.filter(code__in=codes(kit))
    assert chosen.count() == len(codes(kit))
    assert all(q.for_mid for q in chosen)


def test_questions_restricted_to_another_role_are_not_chosen():
    role = make_role(per_competency=0)
    competency = role.role_competencies.first().competency
    mine = QuestionFactory(competency=competency)
    mine.roles.add(role)
    QuestionFactory(competency=competency).roles.add(RoleFactory())
    kit = assemble_kit(role=role, stage="first_interview", seed=1)
    assert codes(kit) == [mine.code]


def test_retired_and_draft_questions_are_never_chosen():
    role = make_role(per_competency=0)
    competency = role.role_competencies.first().competency
    active = QuestionFactory(competency=competency)
    QuestionFactory(competency=competency, status=Question.Status.RETIRED)
    QuestionFactory(competency=competency, status=Question.Status.DRAFT)
    for seed in range(5):
        kit = assemble_kit(role=role, stage="first_interview", seed=seed)
        assert codes(kit) == [active.code]


def test_question_types_are_balanced_and_restricted():
    role = make_role(per_competency=8)
    kit = assemble_kit(
        role=role,
        stage="final",
        questions_per_competency=2,
        question_types=["behavioural", "situational"],
        seed=9,
    )
    types = [q["type"] for s in kit.sections for q in s["questions"]]
    assert set(types) == {"behavioural", "situational"}
    assert abs(types.count("behavioural") - types.count("situational")) <= 1


def test_too_few_questions_gives_a_warning_per_competency():
    role = make_role(per_competency=1)
    kit = assemble_kit(role=role, stage="first_interview", questions_per_competency=2, seed=1)
    assert [(w["code"], w["requested"], w["selected"]) for w in kit.warnings] == [
        ("not_enough_questions", 2, 1)
    ] * 3
    assert len(codes(kit)) == 3


def test_strict_assembly_fails_listing_each_shortfall():
    role = make_role(per_competency=1)
    with pytest.raises(KitShortfall) as excinfo:
        assemble_kit(role=role, stage="first_interview", questions_per_competency=2, strict=True)
    assert len(excinfo.value.shortfalls) == 3
    assert all(s["code"] == "not_enough_questions" for s in excinfo.value.shortfalls)


def test_strict_assembly_fails_when_the_budget_is_too_small():
    role = make_role(minutes=8)
    with pytest.raises(KitShortfall) as excinfo:
        assemble_kit(role=role, stage="first_interview", time_budget_minutes=10, strict=True)
    assert {s["code"] for s in excinfo.value.shortfalls} == {"time_budget"}


def test_the_template_for_the_stage_is_used():
    role = make_role()
    template = KitTemplate.objects.create(
        role=role,
        stage="final",
        time_budget_minutes=30,
        questions_per_competency=1,
        question_types=["knowledge"],
    )
    template.competencies.add(role.role_competencies.order_by("weight").first().competency)
    kit = assemble_kit(role=role, stage="final", seed=4)
    assert kit.plan.template == template
    assert [s["competency"]["weight"] for s in kit.sections] == [1]
    assert {q["type"] for s in kit.sections for q in s["questions"]} == {"knowledge"}


def test_phone_screens_cover_essential_competencies_by_default():
    role = make_role()
    kit = assemble_kit(role=role, stage="phone_screen", seed=1)
    assert [s["competency"]["essential"] for s in kit.sections] == [True]


def test_bad_values_raise_a_kit_error_naming_the_field():
    role = make_role()
    with pytest.raises(KitError) as excinfo:
        assemble_kit(role=role, stage="coffee", language="fr")
    assert set(excinfo.value.errors) == {"stage", "language"}
    with pytest.raises(KitError) as excinfo:
        assemble_kit(role=role, stage="final", question_types=["essay"], seed=-1)
    assert set(excinfo.value.errors) == {"question_types", "seed"}


def test_the_snapshot_is_in_the_kit_language_and_lists_fallbacks():
    role = make_role(per_competency=0)
    competency = role.role_competencies.first().competency
    competency.name_de = "Kommunikation"
    competency.save()
    QuestionFactory(competency=competency, code="q-de", text_de="Erzählen Sie ...")
    kit = assemble_kit(role=role, stage="first_interview", language="de", seed=1)
    section = kit.sections[0]
    assert section["competency"]["name"] == "Kommunikation"
    question = section["questions"][0]
    assert question["text"] == "Erzählen Sie ..."
    assert "questions.q-de.guidance" in kit.fallbacks
    assert "questions.q-de.text" not in kit.fallbacks
    assert "questions.q-de.rubric.1.anchor" in kit.fallbacks


def test_a_question_without_rubric_carries_its_competency_default():
    role = make_role(per_competency=0)
    competency = role.role_competencies.first().competency
    for score in range(1, 6):
        CompetencyRubricLevelFactory(competency=competency, score=score)
    QuestionFactory(competency=competency, rubric=False)
    question = assemble_kit(role=role, stage="final", seed=1).sections[0]["questions"][0]
    assert question["rubric_source"] == "competency"
    assert [level["score"] for level in question["rubric"]] == [1, 2, 3, 4, 5]


def test_the_scoring_sheet_lists_each_competency_with_its_questions():
    role = make_role()
    kit = assemble_kit(role=role, stage="first_interview", seed=1)
    sheet = kit.content()["scoring_sheet"]
    assert [row["questions"] for row in sheet] == [
        [q["code"] for q in s["questions"]] for s in kit.sections
    ]
    assert all(row["score"] is None and row["scale"] == [1, 2, 3, 4, 5] for row in sheet)


def test_a_stored_kit_does_not_change_when_the_bank_does():
    role = make_role()
    kit = store_kit(assemble_kit(role=role, stage="first_interview", seed=1))
    before = kit.content
    Question.objects.update(text_en="Edited later.")
    kit.refresh_from_db()
    assert kit.content == before
    assert "Edited later." not in str(kit.content)


def test_kit_ids_are_version_7_and_sort_in_the_order_the_kits_were_made():
    role = make_role()
    made = [store_kit(assemble_kit(role=role, stage="first_interview", seed=s)) for s in range(5)]
    assert {kit.pk.version for kit in made} == {7}
    assert sorted(made, key=lambda kit: kit.pk.bytes) == made
    for kit in made:  # the first 48 bits: milliseconds since 1970, as the kit's time
        assert abs((kit.pk.int >> 80) - kit.created_at.timestamp() * 1000) < 1000
    stored = Kit.objects.order_by("id").values_list("id", flat=True)
    assert list(stored) == [kit.pk for kit in made]


def test_questions_in_a_kit_cannot_be_deleted():
    from django.db.models import ProtectedError

    role = make_role()
    kit = store_kit(assemble_kit(role=role, stage="first_interview", seed=1))
    with pytest.raises(ProtectedError):
        kit.questions.first().delete()


def test_the_database_itself_refuses_to_delete_a_question_a_kit_uses():
    """The links have no index by question (see KitQuestion), but keep their foreign key."""
    from django.db import IntegrityError, connection, transaction

    kit = store_kit(assemble_kit(role=make_role(), stage="first_interview", seed=1))
    question = kit.questions.first()
    question.rubric_levels.all()._raw_delete("default")
    question.roles.clear()
    with pytest.raises(IntegrityError, match="questionbank_kitquestion"), transaction.atomic():
        Question.objects.filter(pk=question.pk)._raw_delete("default")
        connection.check_constraints(table_names=["questionbank_kitquestion"])
    assert Question.objects.filter(pk=question.pk).exists()


@st.composite
def banks(draw):
    """A random bank: questions of random competency, level, status, type and length."""
    return {
        "level": draw(st.sampled_from(["entry", "mid", "senior"])),
        "questions": draw(
            st.lists(
                st.tuples(
                    st.integers(0, 2),  # competency index
                    st.sets(st.sampled_from(["entry", "mid", "senior"]), min_size=1),
                    st.sampled_from(Question.Status.values),
                    st.sampled_from(Question.Type.values),
                    st.integers(1, 15),
                ),
                max_size=25,
            )
        ),
        "per_competency": draw(st.integers(1, 4)),
        "budget": draw(st.integers(1, 60)),
        "types": draw(st.lists(st.sampled_from(Question.Type.values), unique=True, max_size=3)),
        "seed": draw(st.integers(0, 2**32)),
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bank=banks())
def test_invariants_hold_for_any_bank_and_request(bank):
    role = RoleFactory(level=bank["level"])
    competencies = [CompetencyFactory() for _ in range(3)]
    for weight, competency in enumerate(competencies, 1):
        RoleCompetencyFactory(role=role, competency=competency, weight=weight)
    for index, levels, status, type_, minutes in bank["questions"]:
        QuestionFactory(
            competency=competencies[index],
            for_entry="entry" in levels,
            for_mid="mid" in levels,
            for_senior="senior" in levels,
            status=status,
            type=type_,
            expected_minutes=minutes,
            rubric=False,
        )
    kit = assemble_kit(
        role=role,
        stage="final",
        questions_per_competency=bank["per_competency"],
        time_budget_minutes=bank["budget"],
        question_types=bank["types"] or None,
        seed=bank["seed"],
    )
    # From the database, not the kit: the bank cache must never offer what the bank no longer has.
    chosen = list(Question.objects.filter(pk__in=[c.id for c in kit.questions]))
    assert len(chosen) == len(kit.questions)
    assert kit.total_minutes <= bank["budget"]
    allowed = set(bank["types"] or [t for t in Question.Type.values if t != "screening"])
    for question in chosen:
        assert question.status == Question.Status.ACTIVE
        assert getattr(question, f"for_{role.level}")
        assert question.type in allowed
    for section in kit.sections:
        assert len(section["questions"]) <= bank["per_competency"]
    short = {w["competency"] for w in kit.warnings}
    for section in kit.sections:
        if len(section["questions"]) < bank["per_competency"]:
            assert section["competency"]["slug"] in short
    Question.objects.all().delete()
    role.delete()


def choose_by_scanning(plan, pools):
    """`choose` as first written: every fitting question scored, the least-used type first."""
    from collections import Counter

    remaining, type_use = plan.time_budget_minutes, Counter()
    chosen = {link.competency_id: [] for link in plan.competencies}
    for _round in range(plan.questions_per_competency):
        for link in plan.competencies:
            pool = pools[link.competency_id]
            fitting = [
                ((type_use[q.type], i), i)
                for i, q in enumerate(pool)
                if q.expected_minutes <= remaining
            ]
            if fitting:
                pick = pool.pop(min(fitting)[1])
                chosen[link.competency_id].append(pick)
                type_use[pick.type] += 1
                remaining -= pick.expected_minutes
    return chosen


@pytest.mark.django_db(False)
@settings(max_examples=300, deadline=None)
@given(
    types=st.lists(
        st.sampled_from(["behavioural", "situational", "knowledge"]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    pools=st.lists(
        st.lists(st.tuples(st.integers(0, 2), st.integers(1, 20)), max_size=12),
        min_size=1,
        max_size=4,
    ),
    per_competency=st.integers(1, 4),
    budget=st.integers(1, 90),
)
def test_choose_picks_what_scanning_every_question_picks(types, pools, per_competency, budget):
    from types import SimpleNamespace

    from questionbank.bank_cache import Candidate
    from questionbank.kits import choose

    links = [
        SimpleNamespace(competency_id=c, competency=SimpleNamespace(slug=f"c{c}"))
        for c in range(len(pools))
    ]
    plan = SimpleNamespace(
        competencies=links,
        questions_per_competency=per_competency,
        time_budget_minutes=budget,
        question_types=types,
    )
    decks = {
        c: [
            Candidate(c * 100 + i, c, types[t % len(types)], minutes)
            for i, (t, minutes) in enumerate(pool)
        ]
        for c, pool in enumerate(pools)
    }
    chosen, _ = choose(plan, {c: list(pool) for c, pool in decks.items()})
    assert chosen == choose_by_scanning(plan, {c: list(pool) for c, pool in decks.items()})
