"""Production settings: `check --deploy` is clean, HTTPS is enforced, pages carry a CSP."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "HTTPS")}
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env.update(extra)
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_shipped_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_redirects_to_https_sets_hsts_and_secure_cookies():
    script = (
        "from django.test import Client; c = Client(HTTP_HOST='localhost');"
        "r = c.get('/admin/login/');"
        "print(r.status_code, r['Location']);"
        "r = c.get('/admin/login/', secure=True);"
        "print(r['Strict-Transport-Security']);"
        "print(r.cookies['csrftoken']['secure']);"
        "print(c.get('/healthz').status_code)"
    )
    result = manage("shell", "--no-imports", "-c", script, env=production_env())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[0] == "301 https://localhost/admin/login/"
    assert lines[1] == "max-age=31536000; includeSubDomains; preload"
    assert lines[2] == "True"
    assert lines[3] == "200"  # health checks are not redirected


def test_debug_mode_serves_plain_http_for_make_run():
    script = (
        "from django.test import Client;"
        "print(Client(HTTP_HOST='localhost').get('/admin/login/').status_code)"
    )
    result = manage("shell", "--no-imports", "-c", script, env=production_env(DEBUG="1"))
    assert result.stdout.strip() == "200", result.stderr


@pytest.mark.parametrize("url", ["/admin/login/", "/api/docs/"])
def test_pages_carry_a_content_security_policy(client, staff_user, url):
    if url.startswith("/api/"):
        client.force_login(staff_user)
    response = client.get(url)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


def test_the_api_docs_load_their_script_from_this_origin(admin_client):
    page = admin_client.get("/api/docs/").content.decode()
    assert "<script>" not in page  # no inline script: the CSP would block it
    assert 'src="/api/docs/?script=' in page or "script=" in page
