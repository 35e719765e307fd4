"""History and revert, refusing concurrent overwrites, bulk actions."""

import pytest
from django.urls import reverse

from questionbank.models import Question
from tests.factories import CompetencyFactory, QuestionFactory, RoleFactory
from tests.test_admin import question_form_data

pytestmark = pytest.mark.django_db


def change_url(question):
    return reverse("admin:questionbank_question_change", args=[question.pk])


def edit(client, question, seen_version=None, **changes):
    data = question_form_data(question, **changes)
    if seen_version is not None:
        data["seen_version"] = seen_version
    return client.post(change_url(question), data)


class TestHistory:
    def test_each_save_records_who_changed_what(self, admin_client, staff_user):
        question = QuestionFactory(text_en="Old wording")
        edit(admin_client, question, text_en="New wording")
        history = list(question.history.order_by("history_date"))
        assert [h.history_type for h in history] == ["+", "~"]
        assert history[-1].history_user == staff_user
        assert history[-1].text_en == "New wording"
        assert history[0].text_en == "Old wording"
        delta = history[-1].diff_against(history[0])
        assert "text_en" in [change.field for change in delta.changes]

    def test_the_history_page_lists_the_changes(self, admin_client):
        question = QuestionFactory(text_en="Old wording")
        edit(admin_client, question, text_en="New wording")
        url = reverse("admin:questionbank_question_history", args=[question.pk])
        page = admin_client.get(url)
        assert page.status_code == 200
        content = page.content.decode()
        assert "Created" in content and "Changed" in content
        assert len(page.context["page_obj"].object_list) == 2

    def test_a_change_is_reverted_from_the_history(self, admin_client):
        question = QuestionFactory(text_en="Old wording")
        original = question.history.get()
        edit(admin_client, question, text_en="New wording")
        url = reverse(
            "admin:questionbank_question_simple_history",
            args=[question.pk, original.history_id],
        )
        form = admin_client.get(url)
        assert form.status_code == 200
        data = question_form_data(Question.objects.get(pk=question.pk), text_en="Old wording")
        response = admin_client.post(url, data)
        assert response.status_code == 302
        question.refresh_from_db()
        assert question.text_en == "Old wording"
        assert question.history.count() == 3

    def test_rubric_levels_roles_and_competencies_have_history(self, admin_client):
        question = QuestionFactory()
        level = question.rubric_levels.get(score=1)
        level.anchor_en = "Changed"
        level.save()
        assert level.history.count() == 2
        role = RoleFactory()
        role.title_en = "Renamed"
        role.save()
        assert [h.title_en for h in role.history.order_by("history_date")][-1] == "Renamed"
        competency = CompetencyFactory()
        url = reverse("admin:questionbank_competency_history", args=[competency.pk])
        assert admin_client.get(url).status_code == 200


class TestConcurrentEdits:
    def test_the_second_save_from_a_stale_form_is_refused(self, admin_client, django_user_model):
        question = QuestionFactory(text_en="Original")
        opened_at = question.version
        other = django_user_model.objects.create_superuser("colleague", "c@example.com", "pw")
        from django.test import Client

        colleague = Client()
        colleague.force_login(other)
        first = edit(colleague, question, seen_version=opened_at, text_en="Colleague's change")
        assert first.status_code == 302
        second = edit(admin_client, question, seen_version=opened_at, text_en="My change")
        assert second.status_code == 200
        page = second.content.decode()
        assert "changed by colleague" in page
        question.refresh_from_db()
        assert question.text_en == "Colleague's change"

    def test_a_fresh_form_saves(self, admin_client):
        question = QuestionFactory()
        response = edit(admin_client, question, seen_version=question.version, text_en="Fine")
        assert response.status_code == 302
        question.refresh_from_db()
        assert question.text_en == "Fine"
        assert question.version == 2

    def test_the_change_form_carries_the_version(self, admin_client):
        question = QuestionFactory()
        page = admin_client.get(change_url(question)).content.decode()
        assert f'name="seen_version" value="{question.version}"' in page


class TestBulkActions:
    def post_action(self, client, action, questions, **extra):
        return client.post(
            reverse("admin:questionbank_question_changelist"),
            {"action": action, "_selected_action": [q.pk for q in questions], **extra},
        )

    def test_duplicate_makes_draft_copies_with_rubric_and_roles(self, admin_client):
        question = QuestionFactory(code="empathy-01", status="active")
        question.roles.add(RoleFactory())
        self.post_action(admin_client, "duplicate", [question])
        self.post_action(admin_client, "duplicate", [question])
        copies = Question.objects.filter(code__startswith="empathy-01-copy").order_by("code")
        assert [c.code for c in copies] == ["empathy-01-copy", "empathy-01-copy-2"]
        copy = copies[0]
        assert copy.status == "draft"
        assert copy.text_en == question.text_en
        assert copy.rubric_levels.count() == 5
        assert list(copy.roles.all()) == list(question.roles.all())
        assert question.rubric_levels.count() == 5

    def test_set_competency_and_levels_asks_then_applies(self, admin_client):
        chosen = QuestionFactory.create_batch(2, for_entry=True)
        untouched = QuestionFactory()
        target = CompetencyFactory(slug="coaching")
        ask = self.post_action(admin_client, "set_competency_and_levels", chosen)
        assert ask.status_code == 200
        assert "New competency" in ask.content.decode()
        done = self.post_action(
            admin_client,
            "set_competency_and_levels",
            chosen,
            apply="1",
            competency=target.pk,
            levels=["mid", "senior"],
        )
        assert done.status_code == 302
        for question in Question.objects.filter(pk__in=[q.pk for q in chosen]):
            assert question.competency == target
            assert question.levels == ["mid", "senior"]
        untouched.refresh_from_db()
        assert untouched.competency != target

    def test_set_competency_and_levels_needs_a_choice(self, admin_client):
        question = QuestionFactory()
        response = self.post_action(
            admin_client, "set_competency_and_levels", [question], apply="1"
        )
        assert response.status_code == 200
        assert "Choose a competency or at least one level." in response.content.decode()

    def test_status_actions_record_history(self, admin_client):
        question = QuestionFactory(status="draft")
        self.post_action(admin_client, "activate", [question])
        assert question.history.first().status == "active"
