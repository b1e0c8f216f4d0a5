from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "groundswell.web"
    label = "web"
