"""`manage.py load_content` on an empty bank (the loaded pack is tested in test_content_pack)."""

import pytest
from django.core.management import call_command

from questionbank.models import Question, Role

pytestmark = pytest.mark.django_db


def test_load_content_fills_an_empty_bank(capsys):
    assert not Question.objects.exists()
    call_command("load_content")
    assert "Content pack loaded" in capsys.readouterr().out
    assert Question.objects.active().count() >= 150
    assert Role.objects.exists()
