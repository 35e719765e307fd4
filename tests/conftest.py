import pytest

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
