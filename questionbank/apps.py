from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionbankConfig(AppConfig):
    name = "questionbank"
    verbose_name = _("Question bank")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connects the signals that drop cached API tokens when they are revoked.
        # and the ones that mark the bank changed for the kit assembly cache.
        from . import audit, bank_cache  # noqa: F401
        from .api import authentication  # noqa: F401
