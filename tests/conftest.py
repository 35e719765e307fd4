import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from questionbank.content import load_content_pack


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_superuser("recruiter", "r@example.com", "pw-12345!")


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def content_pack(db):
    """The shipped content pack, loaded into the test database."""
    load_content_pack()


@pytest.fixture
def api_user(django_user_model):
    """An application account with no model permissions: it may only read."""
    return django_user_model.objects.create_user("ats", password="pw-12345!")


@pytest.fixture
def recruiter(django_user_model):
    user = django_user_model.objects.create_user("writer", password="pw-12345!")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="questionbank",
            codename__in=["add_question", "change_question"],
        )
    )
    return user


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def api(api_user):
    """A read-only application, authenticated with its API token."""
    return client_for(api_user)


@pytest.fixture
def recruiter_api(recruiter):
    return client_for(recruiter)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs a quarter of a second per user by design; tests need no such cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Throttle counters and cached bodies never leak from one test into another."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def interviewer(django_user_model):
    """Reads the bank and assembles kits."""
    user = django_user_model.objects.create_user("interviewer", password="pw-12345!")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="questionbank", codename="add_kit")
    )
    return user


@pytest.fixture
def interviewer_api(interviewer):
    return client_for(interviewer)
