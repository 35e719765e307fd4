"""API token authentication that remembers valid tokens in the shared cache.

Every API request presents a token; looking it up costs a query that would
dominate the cost of serving a cached kit. A valid token is remembered in
the cache for TOKEN_CACHE_SECONDS (default 60; 0 turns the cache off), and
its user in each process that read it (see `CachedTokenAuthentication`).
Deleting or replacing a token, or saving its user (deactivating them, for
example), drops the entry at once. With the default local-memory cache each
server process has its own copy, so another process may accept a revoked
token until its entry expires; with Redis (CACHE_URL) revocation is immediate
everywhere.

A user's permissions (their own and their groups'), which writing needs
and which would cost two queries per request, are cached the same way, on
first use (`remember_permissions`). Granting or withdrawing a permission,
directly or through a group, from either side of the relation, changing a
user's groups, deleting a group or saving the user drops the entries of
every user concerned, with the same reach as revoking a token.
"""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models.base import ModelState
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_cache_key(key: str) -> str:
    # Hashed, so the cache (Redis) never holds a usable token. It holds a stamp, no longer the
    # user: a new name, so that servers of both releases can share a cache during an upgrade.
    return "auth-token-stamp:" + hashlib.sha256(key.encode()).hexdigest()


class CachedTokenAuthentication(TokenAuthentication):
    """The shared cache says whether a token is still good; each process keeps the user.

    A valid token gets a random stamp in the shared cache for TOKEN_CACHE_SECONDS, and the
    process that read its user from the database keeps that user with the stamp. While the
    shared cache holds the same stamp, the token is still good and the user unchanged (every
    change drops the entry, see below), so each request gets a fresh copy of the kept user:
    a small value read from the cache, not a whole user unpickled (a third of a cached kit's
    fetch). Another process that finds a stamp it does not know reads the user once. The
    user's permissions, once read, are kept with the stamp too: a change to them drops the
    user's tokens' entries as well (`forget_users`).
    """

    def authenticate_credentials(self, key):
        seconds = settings.TOKEN_CACHE_SECONDS
        if seconds <= 0:
            return super().authenticate_credentials(key)
        cache_key = token_cache_key(key)
        stamp = cache.get(cache_key)
        known = _known_users.get(cache_key)
        if stamp is not None and known is not None and known.stamp == stamp:
            return known.copy(), None
        user, token = super().authenticate_credentials(key)
        if stamp is None:
            stamp = secrets.token_hex(8)
            cache.set(cache_key, stamp, seconds)
        if len(_known_users) >= MAX_KNOWN_USERS:
            _known_users.clear()
        known = _known_users[cache_key] = KnownUser(stamp, fresh_copy(user))
        user._known_as = known
        return user, token


class KnownUser:
    """A token's user as this process read it, for one stamp, and their permissions once read."""

    __slots__ = ("permissions", "stamp", "user")

    def __init__(self, stamp: str, user):
        self.stamp, self.user, self.permissions = stamp, user, None

    def copy(self):
        user = fresh_copy(self.user)
        if self.permissions is not None:
            user._perm_cache = set(self.permissions)
        user._known_as = self
        return user


# Per process: token cache key -> KnownUser. Tokens are few (one per application).
_known_users: dict[str, KnownUser] = {}
MAX_KNOWN_USERS = 10_000


def fresh_copy(user):
    """A copy of the user for one request: what the request sets on it (permissions read,
    the backend) stays with that copy."""
    copy = object.__new__(type(user))
    copy.__dict__.update(user.__dict__)
    copy._state = ModelState()
    copy._state.db, copy._state.adding = user._state.db, False
    for name in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_known_as"):
        copy.__dict__.pop(name, None)
    return copy


@receiver(post_delete, sender=Token)
@receiver(post_save, sender=Token)
def forget_token(sender, instance, **kwargs):
    cache.delete(token_cache_key(instance.key))


def permissions_cache_key(user_id) -> str:
    return f"auth-permissions:{user_id}"


def remember_permissions(user) -> None:
    """Give the user their permissions from the cache, or read them and cache them."""
    seconds = settings.TOKEN_CACHE_SECONDS
    if seconds <= 0 or not user.is_authenticated or hasattr(user, "_perm_cache"):
        return
    key = permissions_cache_key(user.pk)
    permissions = cache.get(key)
    if permissions is None:
        permissions = user.get_all_permissions()
        cache.set(key, permissions, seconds)
    else:
        user._perm_cache = permissions  # where ModelBackend keeps them for the request
    known = getattr(user, "_known_as", None)
    if known is not None:  # the token's next requests get them with the user
        known.permissions = frozenset(permissions)


def forget_users(user_ids) -> None:
    """Drop what the cache holds of the users: their tokens and their permissions."""
    user_ids = list(user_ids)
    cache.delete_many([permissions_cache_key(pk) for pk in user_ids])
    for key in Token.objects.filter(user_id__in=user_ids).values_list("key", flat=True):
        cache.delete(token_cache_key(key))


User = get_user_model()


@receiver(post_save, sender=User)
def forget_users_tokens(sender, instance, created, **kwargs):
    if not created:
        forget_users([instance.pk])


def group_members(group_ids):
    return User.objects.filter(groups__in=list(group_ids)).values_list("pk", flat=True)


@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=User.groups.through)
def user_access_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A user's permissions or groups changed; or, the other way round, a permission's or a
    group's users (for a clear, Django gives no ids: they are read before it)."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        forget_users([instance.pk])
    elif action == "pre_clear":
        forget_users(instance.user_set.values_list("pk", flat=True))
    else:
        forget_users(pk_set or ())


@receiver(m2m_changed, sender=Group.permissions.through)
def group_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:  # a group's permissions changed
        groups = [instance.pk]
    elif action == "pre_clear":  # a permission taken from every group
        groups = list(instance.group_set.values_list("pk", flat=True))
    else:
        groups = list(pk_set or ())
    forget_users(group_members(groups))


@receiver(pre_delete, sender=Group)
def group_deleted(sender, instance, **kwargs):
    forget_users(group_members([instance.pk]))
