"""Kit templates and kits in the admin: assemble from a role or template, view the snapshot."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from questionbank.kits import assemble_kit, store_kit
from questionbank.models import Kit, KitTemplate
from tests.factories import CompetencyFactory, QuestionFactory, RoleCompetencyFactory, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def role():
    role = RoleFactory(slug="agent", title_en="Agent")
    competency = CompetencyFactory(name_en="Empathy", name_nl="Empathie")
    RoleCompetencyFactory(role=role, competency=competency, weight=5, essential=True)
    QuestionFactory.create_batch(3, competency=competency, text_nl="Een Nederlandse vraag")
    return role


def test_template_forms_render(admin_client, role):
    template = KitTemplate.objects.create(role=role, stage="final", time_budget_minutes=60)
    assert admin_client.get(reverse("admin:questionbank_kittemplate_add")).status_code == 200
    url = reverse("admin:questionbank_kittemplate_change", args=[template.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="question_types"' in page.content.decode()


def test_saving_a_template_with_question_types(admin_client, role):
    response = admin_client.post(
        reverse("admin:questionbank_kittemplate_add"),
        {
            "role": role.pk,
            "stage": "phone_screen",
            "time_budget_minutes": 20,
            "questions_per_competency": 1,
            "question_types": ["behavioural", "motivational"],
        },
    )
    assert response.status_code == 302
    template = KitTemplate.objects.get()
    assert template.question_types == ["behavioural", "motivational"]


def test_assembling_from_a_template_stores_a_kit_and_opens_it(admin_client, role):
    template = KitTemplate.objects.create(role=role, stage="final", time_budget_minutes=60)
    response = admin_client.post(
        reverse("admin:questionbank_kittemplate_changelist"),
        {"action": "assemble", "_selected_action": [template.pk]},
    )
    kit = Kit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:questionbank_kit_change", args=[kit.pk])
    assert kit.template == template
    assert kit.created_by.username == "recruiter"


def test_assembling_from_a_role_in_the_admin_language(admin_client, role):
    response = admin_client.post(
        reverse("admin:questionbank_role_changelist"),
        {"action": "assemble_first_interview", "_selected_action": [role.pk]},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    kit = Kit.objects.get()
    assert response.status_code == 302
    assert (kit.stage, kit.language) == ("first_interview", "nl")
    page = admin_client.get(response["Location"]).content.decode()
    assert "Een Nederlandse vraag" in page
    assert "Empathie" in page


def test_assembling_from_two_roles_at_once_is_refused(admin_client, role):
    other = RoleFactory()
    response = admin_client.post(
        reverse("admin:questionbank_role_changelist"),
        {"action": "assemble_final", "_selected_action": [role.pk, other.pk]},
        follow=True,
    )
    assert "Select exactly one role." in response.content.decode()
    assert not Kit.objects.exists()


def test_kits_are_listed_and_viewed_but_not_edited(admin_client, role):
    kit = store_kit(assemble_kit(role=role, stage="final", seed=1))
    assert admin_client.get(reverse("admin:questionbank_kit_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:questionbank_kit_change", args=[kit.pk]))
    assert page.status_code == 200
    assert kit.content["sections"][0]["questions"][0]["text"] in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get(reverse("admin:questionbank_kit_add")).status_code == 403


def test_the_kit_list_filters_by_language_and_date_without_scanning_every_kit(admin_client, role):
    german = store_kit(assemble_kit(role=role, stage="final", seed=1, language="de"))
    store_kit(assemble_kit(role=role, stage="final", seed=2, language="nl"))
    old = store_kit(assemble_kit(role=role, stage="final", seed=3, language="de"))
    Kit.objects.filter(pk=old.pk).update(created_at=timezone.now() - timezone.timedelta(days=40))
    url = reverse("admin:questionbank_kit_changelist")
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(url, {"language": "de"})
    assert {kit.pk for kit in page.context["cl"].result_list} == {german.pk, old.pk}
    # No DISTINCT over the kits (date_hierarchy, a filter of the values present), no snapshot.
    kit_queries = [q["sql"] for q in queries if '"questionbank_kit"' in q["sql"]]
    assert not [sql for sql in kit_queries if "DISTINCT" in sql], kit_queries
    assert not [sql for sql in kit_queries if '"questionbank_kit"."content"' in sql], kit_queries
    since = (timezone.now() - timezone.timedelta(days=7)).date().isoformat()
    recent = admin_client.get(url, {"language": "de", "created_at__gte": since})
    assert [kit.pk for kit in recent.context["cl"].result_list] == [german.pk]
    assert "Deutsch" in page.content.decode()  # the filter offers every language
