from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "groundswell.demo"
    label = "demo"
