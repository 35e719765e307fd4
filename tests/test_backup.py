"""Backup and restore: the shipped content and issued kits survive a round trip exactly."""

import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from questionbank import kits
from questionbank.backup import EXCLUDED, INCLUDED
from questionbank.models import BankVersion, Kit, Question, Role
from tests.conftest import client_for
from tests.factories import QuestionFactory


def snapshot() -> list:
    """Everything a backup holds, in a comparable order."""
    out = io.StringIO()
    call_command("dumpdata", *INCLUDED, exclude=EXCLUDED, natural_foreign=True, stdout=out)
    records = json.loads(out.getvalue())
    return sorted(records, key=lambda r: json.dumps(r, sort_keys=True))


# A real transaction per statement, as on a server: on PostgreSQL, `flush` cannot
# TRUNCATE tables with deferred foreign-key checks still pending in the test's transaction.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["bank.json", "bank.json.gz"])
def test_the_content_pack_and_kits_round_trip_exactly(
    content_pack, django_user_model, tmp_path, name
):
    interviewer = django_user_model.objects.create_user("interviewer", password="pw-12345!")
    issued = [
        kits.store_kit(
            kits.assemble_kit(role=role, stage="first_interview", language=language, seed=11),
            created_by=interviewer,
        )
        for role, language in zip(
            Role.objects.order_by("slug")[:3], ["en", "nl", "de"], strict=True
        )
    ]
    question = Question.objects.order_by("code").first()
    question.text_it = "Testo modificato in italiano."
    question.save()  # a change in the history
    history = list(question.history.values_list("history_id", "text_it", "history_date"))
    assert history
    api = client_for(interviewer)  # its token's creation is audited: before the snapshot
    payloads = [api.get(f"/api/v1/kits/{kit.pk}/").json() for kit in issued]
    before = snapshot()
    token = BankVersion.objects.get().token

    path = tmp_path / name
    call_command("backup_bank", str(path), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    assert not Question.objects.exists() and not Kit.objects.exists()
    call_command("restore_bank", str(path), stdout=io.StringIO())

    assert snapshot() == before
    # A new version token: no process can take its copy of the old bank for the restored one.
    assert BankVersion.objects.get().token != token
    api = client_for(django_user_model.objects.get(username="interviewer"))
    cache.clear()  # serve the kits from the restored rows, not from the cache
    assert [api.get(f"/api/v1/kits/{kit.pk}/").json() for kit in issued] == payloads
    # New rows after a restore get fresh ids (PostgreSQL's sequences were moved on).
    kits.store_kit(kits.assemble_kit(role=Role.objects.order_by("slug").first(), stage="final"))
    QuestionFactory(competency=question.competency)
    restored = Question.objects.get(code=question.code)
    assert list(restored.history.values_list("history_id", "text_it", "history_date")) == history


@pytest.mark.django_db
def test_restore_refuses_a_bank_that_is_not_empty(content_pack, tmp_path):
    path = tmp_path / "bank.json"
    call_command("backup_bank", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("restore_bank", str(path))


@pytest.mark.django_db
def test_a_backup_holds_no_api_tokens(api, tmp_path):
    path = tmp_path / "bank.json"
    call_command("backup_bank", str(path), stdout=io.StringIO())
    models = {record["model"] for record in json.loads(path.read_text())}
    assert "authtoken.token" not in models
    assert "auth.user" in models
