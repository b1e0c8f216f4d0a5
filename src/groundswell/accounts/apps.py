from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "groundswell.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from groundswell.accounts import signals  # noqa: F401
        from groundswell.accounts.keys import rotate_authenticators
        from groundswell.core.crypto import register_sealed_elsewhere

        register_sealed_elsewhere("second-factor secrets", rotate_authenticators)
