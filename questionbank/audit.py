"""The audit trail: who wrote what, when, through the API; and every API token change.

API writes are recorded by the API views (BankViewMixin) after they succeed;
token creation and revocation by signals, wherever they happen (the admin,
the token endpoint, a shell). Each event is also logged on the
`questionbank.audit` logger, one line per event, for log shipping.
"""

import logging

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token
from simple_history.models import HistoricalRecords

from . import inserts
from .models import AuditEvent

logger = logging.getLogger("questionbank.audit")


def current_request():
    """The request being served on this thread (kept by simple-history's middleware)."""
    return getattr(HistoricalRecords.context, "request", None)


def record(action: str, target: str, *, user=None, request=None, via=None) -> AuditEvent:
    """Store and log an event now."""
    entry = event(action, target, user=user, request=request, via=via)
    inserts.insert([entry])  # one per API write: the SQL built once (see inserts.py)
    log(entry)
    return entry


def event(action: str, target: str, *, user=None, request=None, via=None) -> AuditEvent:
    """The event, unsaved: for a write that stores it with its own rows (`kits.store_kit`)."""
    request = request if request is not None else current_request()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if via is None:
        if request is None:
            via = AuditEvent.Via.SYSTEM
        elif request.path.startswith("/api/"):
            via = AuditEvent.Via.API
        else:
            via = AuditEvent.Via.ADMIN
    return AuditEvent(
        actor=user,
        actor_name=user.get_username() if user else "",
        action=action,
        target=target[:200],
        via=via,
        ip=request.META.get("REMOTE_ADDR") if request is not None else None,
    )


def log(entry: AuditEvent) -> None:
    logger.info(
        "audit action=%s target=%r actor=%s via=%s ip=%s",
        entry.action,
        entry.target,
        entry.actor_name or "-",
        entry.via,
        entry.ip or "-",
    )


def token_label(token: Token) -> str:
    # Never the whole key: the trail must not hand out working tokens.
    return f"token {token.key[:6]}… of {token.user.get_username()}"


@receiver(post_save, sender=Token)
def token_created(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        request = current_request()
        acting = getattr(request, "user", None) if request is not None else None
        user = acting if acting is not None and acting.is_authenticated else instance.user
        record("token.created", token_label(instance), user=user)


@receiver(post_delete, sender=Token)
def token_revoked(sender, instance, **kwargs):
    record("token.revoked", token_label(instance))
