"""Settings come from the environment and refuse unsafe or malformed values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

PROJECT = Path(__file__).resolve().parent.parent
PRINT = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'], "
    "settings.DATABASES['default']['NAME'], settings.ALLOWED_HOSTS)"
)


SET_BY_TESTS = {"SECRET_KEY", "DEBUG", "DATABASE_URL", "DATABASE_PREPARE_THRESHOLD"}


def run_settings(code=PRINT, **env):
    base = {k: v for k, v in os.environ.items() if k not in SET_BY_TESTS}
    base["DJANGO_SETTINGS_MODULE"] = "interviews.settings"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_settings()
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_mode_uses_a_development_key_and_a_sqlite_file_in_the_project():
    result = run_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    debug, engine, name, hosts = result.stdout.split(" ", 3)
    assert debug == "True"
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == PROJECT / "db.sqlite3"
    assert "127.0.0.1" in hosts


def test_debug_is_off_unless_set():
    result = run_settings(SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False ")


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_a_malformed_debug_value_is_an_error(value):
    result = run_settings(DEBUG=value, SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert f"DEBUG={value!r} is not a boolean" in result.stderr


def test_database_url_and_allowed_hosts_are_read_from_the_environment():
    result = run_settings(
        SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://bank:secret@db.internal:5432/questionbank",
        ALLOWED_HOSTS="bank.example.com,www.bank.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 3)[1:3] == ["questionbank.postgresql", "questionbank"]
    assert "bank.example.com" in result.stdout


def test_the_suite_runs_on_the_database_named_by_database_url():
    url = os.environ.get("DATABASE_URL", "sqlite://")
    expected = "postgresql" if url.startswith(("postgres", "pgsql")) else "sqlite"
    assert connection.vendor == expected


@pytest.mark.parametrize(
    ("threshold", "expected"), [(None, "True 5"), ("3", "True 3"), ("0", "True None")]
)
def test_postgresql_binds_on_the_server_and_prepares_repeated_statements(threshold, expected):
    env = {"SECRET_KEY": "k" * 50, "DATABASE_URL": "postgres://bank@db.internal/questionbank"}
    if threshold is not None:
        env["DATABASE_PREPARE_THRESHOLD"] = threshold
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "options = settings.DATABASES['default']['OPTIONS']; "
        "print(options['server_side_binding'], options['prepare_threshold'])"
    )
    result = run_settings(code, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
