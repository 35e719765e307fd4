"""The coverage dashboard, kit previews, and the staff groups' permissions."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from questionbank.coverage import coverage
from questionbank.models import Kit, KitTemplate, Question
from tests.factories import CompetencyFactory, QuestionFactory, RoleCompetencyFactory, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def role():
    role = RoleFactory(slug="agent", level="entry")
    empathy = CompetencyFactory(slug="empathy", name_en="Empathy")
    sales = CompetencyFactory(slug="sales", name_en="Sales")
    RoleCompetencyFactory(role=role, competency=empathy, weight=5)
    RoleCompetencyFactory(role=role, competency=sales, weight=3)
    full = {f"{f}_nl": "nl" for f in ("text", "probes", "guidance")}
    QuestionFactory.create_batch(4, competency=empathy, **full)
    QuestionFactory(competency=empathy, status=Question.Status.RETIRED, **full)
    QuestionFactory(competency=empathy, for_entry=False, for_mid=True, **full)
    QuestionFactory(competency=sales)
    QuestionFactory(competency=sales).roles.add(role)
    QuestionFactory(competency=sales, text_nl="Alleen de vraag").roles.add(RoleFactory())
    return role


def test_coverage_counts_suitable_active_questions_per_language(role):
    rows = {row["competency"].slug: row for row in coverage()}
    empathy = {c["language"]: (c["count"], c["state"]) for c in rows["empathy"]["counts"]}
    assert empathy == {"en": (4, "ok"), "nl": (4, "ok"), "de": (0, "gap"), "it": (0, "gap")}
    sales = {c["language"]: (c["count"], c["state"]) for c in rows["sales"]["counts"]}
    assert sales["en"] == (2, "thin")
    assert sales["nl"] == (0, "gap")


def test_coverage_uses_the_templates_questions_per_competency(role):
    KitTemplate.objects.create(
        role=role, stage="final", time_budget_minutes=60, questions_per_competency=3
    )
    rows = {row["competency"].slug: row for row in coverage()}
    assert rows["empathy"]["need"] == 3
    assert rows["empathy"]["counts"][0]["state"] == "thin"


def test_coverage_costs_a_fixed_number_of_queries(role, django_assert_num_queries):
    # role competencies, general counts, role-restricted counts, templates
    with django_assert_num_queries(4):
        coverage()


def test_the_dashboard_page_highlights_gaps(admin_client, role):
    response = admin_client.get(reverse("admin:questionbank_coverage"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="count gap" data-language="de">0<' in page
    assert 'class="count ok" data-language="en">4<' in page
    assert "5 gaps." in page
    assert reverse("admin:questionbank_coverage") in admin_client.get("/admin/").content.decode()


@pytest.mark.django_db(transaction=True)  # each change committed, as in production
def test_the_dashboard_is_cached_until_the_bank_changes(
    admin_client, role, django_assert_num_queries
):
    url = reverse("admin:questionbank_coverage")
    assert 'class="count gap" data-language="de">0<' in admin_client.get(url).content.decode()
    # session, user, the bank's version token: not the counts
    with django_assert_num_queries(3):
        assert admin_client.get(url).status_code == 200
    empathy = Question.objects.filter(competency__slug="empathy", status="active")
    for question in empathy[:2]:  # written in German now: saves replace the token
        question.text_de, question.probes_de, question.guidance_de = "Frage", "Nachfrage", "Hinweis"
        question.save()
    assert 'class="count thin" data-language="de">2<' in admin_client.get(url).content.decode()


def test_a_kit_preview_is_shown_and_not_stored(admin_client, role):
    response = admin_client.post(
        reverse("admin:questionbank_role_changelist"),
        {"action": "preview_first_interview", "_selected_action": [role.pk]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview: this kit is not stored." in page
    assert "Empathy" in page
    assert not Kit.objects.exists()


def test_a_template_preview(admin_client, role):
    template = KitTemplate.objects.create(role=role, stage="final", time_budget_minutes=60)
    response = admin_client.post(
        reverse("admin:questionbank_kittemplate_changelist"),
        {"action": "preview", "_selected_action": [template.pk]},
    )
    assert response.status_code == 200
    assert "Preview: this kit is not stored." in response.content.decode()
    assert not Kit.objects.exists()


class TestGroups:
    @pytest.fixture
    def groups(self):
        call_command("setup_groups")
        call_command("setup_groups")  # idempotent
        return {group.name: group for group in Group.objects.all()}

    def member(self, django_user_model, group):
        user = django_user_model.objects.create_user(
            group.name.lower(), password="pw", is_staff=True
        )
        user.groups.add(group)
        client = Client()
        client.force_login(user)
        return user, client

    def test_two_groups_exist_once(self, groups):
        assert sorted(groups) == ["Interviewer", "Recruiter"]

    def test_a_recruiter_edits_the_bank_but_never_deletes_questions(
        self, django_user_model, groups
    ):
        user, client = self.member(django_user_model, groups["Recruiter"])
        for perm in [
            "add_question",
            "change_question",
            "change_rubriclevel",
            "change_role",
            "add_screeningquestion",
            "add_kittemplate",
            "add_kit",
            "add_token",
        ]:
            app = "authtoken" if perm.endswith("token") else "questionbank"
            assert user.has_perm(f"{app}.{perm}"), perm
        assert not user.has_perm("questionbank.delete_question")
        question = QuestionFactory()
        url = reverse("admin:questionbank_question_change", args=[question.pk])
        assert client.get(url).status_code == 200
        assert client.get(reverse("admin:questionbank_question_import")).status_code == 200

    def test_an_interviewer_reads_and_creates_kits_only(self, django_user_model, groups, role):
        user, client = self.member(django_user_model, groups["Interviewer"])
        assert user.has_perm("questionbank.view_question")
        assert user.has_perm("questionbank.add_kit")
        assert not user.has_perm("questionbank.change_question")
        assert not user.has_perm("questionbank.add_question")
        question = Question.objects.first()
        url = reverse("admin:questionbank_question_change", args=[question.pk])
        page = client.get(url)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert client.post(url, {"text_en": "Changed"}).status_code == 403
        assert client.get(reverse("admin:questionbank_question_import")).status_code == 403
        response = client.post(
            reverse("admin:questionbank_role_changelist"),
            {"action": "assemble_final", "_selected_action": [role.pk]},
        )
        assert response.status_code == 302
        assert Kit.objects.get().created_by == user
