from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "groundswell.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.core import checks

        from groundswell.core.crypto import check_blind_indexed_models
        from groundswell.core.keycheck import check_keys

        checks.register(check_blind_indexed_models)
        # Reads the database: the keys must be able to read what is in it.
        checks.register(check_keys)
