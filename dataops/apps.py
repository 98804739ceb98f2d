from django.apps import AppConfig


class DataopsConfig(AppConfig):
    name = "dataops"
    verbose_name = "Platform"

    def ready(self) -> None:
        from dataops import cached, signals  # noqa: F401  (post_migrate: role permissions)

        cached.connect_group_membership()
