from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RapidresponseConfig(AppConfig):
    name = "groundswell.rapidresponse"
    label = "rapidresponse"
    verbose_name = _("Rapid response")
