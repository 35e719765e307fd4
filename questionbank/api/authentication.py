"""API token authentication that remembers valid tokens in the shared cache.

Every API request presents a token; looking it up costs a query that would
dominate the cost of serving a cached kit. A valid token's user is kept in
the cache for TOKEN_CACHE_SECONDS (default 60; 0 turns the cache off).
Deleting or replacing a token, or saving its user (deactivating them, for
example), drops the entry at once. With the default local-memory cache each
server process has its own copy, so another process may accept a revoked
token until its entry expires; with Redis (CACHE_URL) revocation is immediate
everywhere. Permissions are never cached: they are read per request as before.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_cache_key(key: str) -> str:
    # Hashed, so the cache (Redis) never holds a usable token.
    return "auth-token:" + hashlib.sha256(key.encode()).hexdigest()


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        seconds = settings.TOKEN_CACHE_SECONDS
        if seconds <= 0:
            return super().authenticate_credentials(key)
        cache_key = token_cache_key(key)
        user = cache.get(cache_key)
        if user is None:
            user, token = super().authenticate_credentials(key)
            cache.set(cache_key, user, seconds)
            return user, token
        return user, None


@receiver(post_delete, sender=Token)
@receiver(post_save, sender=Token)
def forget_token(sender, instance, **kwargs):
    cache.delete(token_cache_key(instance.key))


@receiver(post_save, sender=get_user_model())
def forget_users_tokens(sender, instance, created, **kwargs):
    if not created:
        for key in Token.objects.filter(user=instance).values_list("key", flat=True):
            cache.delete(token_cache_key(key))
