"""Who may read and write: 401 for anonymous, 403 without permission, tokens, throttling."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from questionbank.api.throttling import AnonRateThrottle, UserRateThrottle
from questionbank.models import Question
from tests.factories import QuestionFactory, RoleFactory

pytestmark = pytest.mark.django_db

READ_URLS = [
    "/api/v1/roles/",
    "/api/v1/roles/agent/",
    "/api/v1/competencies/",
    "/api/v1/questions/",
    "/api/v1/questions/q1/",
    "/api/schema/",
    "/api/docs/",
]


@pytest.fixture
def bank():
    RoleFactory(slug="agent")
    QuestionFactory(code="q1")


@pytest.mark.parametrize("url", READ_URLS)
def test_anonymous_requests_get_401(bank, url):
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("url", READ_URLS)
def test_a_token_reads_everything(api, bank, url):
    assert api.get(url).status_code == 200


def test_a_staff_session_reads_the_api(admin_client, bank):
    response = admin_client.get("/api/v1/questions/q1/")
    assert response.status_code == 200
    assert response.json()["code"] == "q1"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/questions/"),
        ("put", "/api/v1/questions/q1/"),
        ("patch", "/api/v1/questions/q1/"),
        ("post", "/api/v1/questions/q1/retire/"),
    ],
)
def test_a_read_only_token_cannot_write(api, bank, method, url):
    response = getattr(api, method)(url, {"text": "Changed"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    question = Question.objects.get(code="q1")
    assert (question.status, question.text_en) != ("retired", "Changed")
    assert question.status == "active"


def test_anonymous_writes_get_401_and_change_nothing(bank):
    response = APIClient().post("/api/v1/questions/q1/retire/")
    assert response.status_code == 401
    assert Question.objects.get(code="q1").status == "active"


def test_a_revoked_token_fails_at_once(api, api_user, bank):
    assert api.get("/api/v1/questions/").status_code == 200
    Token.objects.filter(user=api_user).delete()
    response = api.get("/api/v1/questions/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_a_deactivated_user_is_rejected_at_once(api, api_user, bank):
    assert api.get("/api/v1/questions/").status_code == 200
    api_user.is_active = False
    api_user.save()
    response = api.get("/api/v1/questions/")
    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."


def test_a_deleted_user_is_rejected_at_once(api, api_user, bank):
    assert api.get("/api/v1/questions/").status_code == 200
    api_user.delete()
    assert api.get("/api/v1/questions/").status_code == 401


def test_a_remembered_token_costs_no_query_and_is_stored_hashed(api, api_user, bank):
    key = Token.objects.get(user=api_user).key
    with CaptureQueriesContext(connection) as first:
        assert api.get("/api/v1/roles/agent/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert api.get("/api/v1/roles/agent/").status_code == 200
    assert "authtoken_token" in first.captured_queries[0]["sql"]
    assert len(second) == len(first) - 1
    assert not any("authtoken_token" in q["sql"] for q in second.captured_queries)
    stored = [k for k in cache._cache if "auth-token" in k]
    assert stored and not any(key in k for k in stored)


def test_each_request_gets_its_own_copy_of_a_remembered_user(api_user, django_assert_num_queries):
    from questionbank.api.authentication import CachedTokenAuthentication

    key = Token.objects.create(user=api_user).key
    first, _ = CachedTokenAuthentication().authenticate_credentials(key)
    first._perm_cache = {"questionbank.add_kit"}  # what one request learns stays with it
    first.first_name = "changed by a request"
    with django_assert_num_queries(0):
        second, _ = CachedTokenAuthentication().authenticate_credentials(key)
    assert second is not first and second.pk == api_user.pk
    assert not hasattr(second, "_perm_cache")
    assert second.first_name == api_user.first_name
    assert not second._state.adding and second._state.db == "default"


def test_a_remembered_token_s_permissions_come_with_its_user(api_user, monkeypatch):
    from django.contrib.auth.models import Permission

    from questionbank.api.authentication import CachedTokenAuthentication, remember_permissions

    api_user.user_permissions.add(Permission.objects.get(codename="add_kit"))
    key = Token.objects.create(user=api_user).key
    authenticate = CachedTokenAuthentication().authenticate_credentials
    first, _ = authenticate(key)
    remember_permissions(first)
    assert first.has_perm("questionbank.add_kit")
    second, _ = authenticate(key)
    reads = []
    monkeypatch.setattr(cache, "get", lambda key, *args: reads.append(key))
    remember_permissions(second)  # they came with the user: nothing to read
    assert reads == []
    assert second.has_perm("questionbank.add_kit")
    second._perm_cache.add("questionbank.delete_kit")  # one request's copy, not the kept set
    monkeypatch.undo()
    third, _ = authenticate(key)
    assert third._perm_cache == {"questionbank.add_kit"}


def test_a_stamp_this_process_does_not_know_reads_the_user_once(
    api_user, django_assert_num_queries
):
    """Another process (sharing the cache) remembered the token: its stamp stays."""
    from questionbank.api import authentication

    key = Token.objects.create(user=api_user).key
    authentication.CachedTokenAuthentication().authenticate_credentials(key)
    stamp_key = authentication.token_cache_key(key)
    cache.set(stamp_key, "another-process", 60)
    with django_assert_num_queries(1):  # the token with its user
        user, _ = authentication.CachedTokenAuthentication().authenticate_credentials(key)
    assert user.pk == api_user.pk
    assert cache.get(stamp_key) == "another-process"
    with django_assert_num_queries(0):
        authentication.CachedTokenAuthentication().authenticate_credentials(key)


def test_a_token_revoked_by_another_process_fails_here_at_once(api, api_user, bank):
    """Revoking drops the shared entry; the user this process keeps is not enough."""
    assert api.get("/api/v1/questions/").status_code == 200
    Token.objects.filter(user=api_user).update(key="replaced-without-signals")
    cache.clear()  # what another process's signal handler did to the shared cache
    assert api.get("/api/v1/questions/").status_code == 401


def test_token_caching_can_be_turned_off(api, bank, settings, django_assert_num_queries):
    settings.TOKEN_CACHE_SECONDS = 0
    api.get("/api/v1/roles/agent/")
    with django_assert_num_queries(3):  # the token and its user, the role, its competencies
        assert api.get("/api/v1/roles/agent/").status_code == 200


def test_an_unknown_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/questions/").status_code == 401


def test_a_token_is_obtained_with_username_and_password(api_user):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "ats", "password": "pw-12345!"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=api_user).key


def test_a_wrong_password_gets_no_token(api_user):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "ats", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] is None
    assert not Token.objects.exists()


def test_requests_over_the_rate_are_throttled(api, bank, monkeypatch):
    cache.clear()
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"})
    statuses = [api.get("/api/v1/roles/").status_code for _ in range(4)]
    last = api.get("/api/v1/roles/")
    cache.clear()
    assert statuses == [200, 200, 200, 429]
    assert last.json()["code"] == "throttled"
    assert 0 < int(last["Retry-After"]) <= 60


@pytest.fixture
def clock(monkeypatch):
    """The throttles' time, set by the test."""
    now = [6000.0]  # the start of a one-minute window
    monkeypatch.setattr(UserRateThrottle, "timer", lambda self: now[0])
    monkeypatch.setattr(AnonRateThrottle, "timer", lambda self: now[0])
    return now


def test_the_allowance_comes_back_with_the_next_window(api, bank, monkeypatch, clock):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/minute"})
    assert [api.get("/api/v1/roles/").status_code for _ in range(3)] == [200, 200, 429]
    clock[0] += 45
    refused = api.get("/api/v1/roles/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 15  # what is left of the window
    clock[0] += 15
    assert [api.get("/api/v1/roles/").status_code for _ in range(3)] == [200, 200, 429]


def test_users_are_counted_apart_and_anonymous_requests_by_address(
    api, interviewer, bank, monkeypatch, clock
):
    rates = {"user": "1/minute", "anon": "1/minute"}
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", rates)
    other = APIClient()
    other.force_authenticate(interviewer)
    assert api.get("/api/v1/roles/").status_code == 200
    assert other.get("/api/v1/roles/").status_code == 200  # a user of their own
    assert api.get("/api/v1/roles/").status_code == 429
    token_lookup = {"username": "nobody", "password": "wrong"}
    anonymous = [APIClient().post("/api/v1/auth/token/", token_lookup) for _ in range(2)]
    assert [r.status_code for r in anonymous] == [400, 429]


def test_a_client_s_window_is_one_counter_whatever_the_rate(
    api, api_user, bank, monkeypatch, clock
):
    """DRF's own throttles keep, and rewrite on each request, every request time of the window."""
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "100000/minute"})
    for _ in range(50):
        assert api.get("/api/v1/roles/").status_code == 200
    assert cache.get(f"throttle_user_{api_user.pk}:100") == 50  # window 6000 s // 60 s


# A remembered token's user carries their permissions: every change to them reaches
# the next request, whichever side of the relation it is made from.
def kit_permission():
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label="questionbank", codename="add_kit")


def can_create_kits(client) -> bool:
    status = client.post("/api/v1/kits/", {"role": "agent", "stage": "final"}, format="json")
    return status.status_code != 403


def grant_directly(user, group):
    user.user_permissions.add(kit_permission())


def grant_from_the_permission(user, group):
    kit_permission().user_set.add(user)


def grant_through_a_group(user, group):
    group.permissions.add(kit_permission())
    user.groups.add(group)


def grant_by_joining_from_the_group(user, group):
    group.permissions.add(kit_permission())
    group.user_set.add(user)


def grant_from_the_permission_to_the_group(user, group):
    user.groups.add(group)
    kit_permission().group_set.add(group)


@pytest.mark.parametrize(
    "grant",
    [
        grant_directly,
        grant_from_the_permission,
        grant_through_a_group,
        grant_by_joining_from_the_group,
        grant_from_the_permission_to_the_group,
    ],
)
def test_permission_changes_reach_a_remembered_token_at_once(api, api_user, bank, grant):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="interviewers")
    assert not can_create_kits(api)
    grant(api_user, group)
    assert can_create_kits(api)


@pytest.mark.parametrize(
    "withdraw",
    [
        lambda user: user.user_permissions.clear(),
        lambda user: user.user_permissions.remove(kit_permission()),
        lambda user: kit_permission().user_set.clear(),
        lambda user: kit_permission().user_set.remove(user),
    ],
    ids=["user-cleared", "user-removed", "permission-cleared", "permission-removed"],
)
def test_a_withdrawn_permission_reaches_a_remembered_token_at_once(api, api_user, bank, withdraw):
    api_user.user_permissions.add(kit_permission())
    assert can_create_kits(api)
    withdraw(api_user)
    assert not can_create_kits(api)


@pytest.mark.parametrize(
    "withdraw",
    [
        lambda user, group: user.groups.remove(group),
        lambda user, group: user.groups.clear(),
        lambda user, group: group.user_set.clear(),
        lambda user, group: group.permissions.clear(),
        lambda user, group: kit_permission().group_set.clear(),
        lambda user, group: kit_permission().group_set.remove(group),
        lambda user, group: group.delete(),
    ],
    ids=[
        "left-the-group",
        "left-all-groups",
        "group-emptied",
        "group-permissions-cleared",
        "permission-groups-cleared",
        "permission-group-removed",
        "group-deleted",
    ],
)
def test_a_group_permission_withdrawn_reaches_a_remembered_token_at_once(
    api, api_user, bank, withdraw
):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="interviewers")
    group.permissions.add(kit_permission())
    api_user.groups.add(group)
    assert can_create_kits(api)
    withdraw(api_user, group)
    assert not can_create_kits(api)
