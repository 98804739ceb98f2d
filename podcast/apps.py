from django.apps import AppConfig


class PodcastConfig(AppConfig):
    name = "podcast"
    label = "podcast"
    verbose_name = "Podcast"

    def ready(self) -> None:
        from podcast import telegram

        telegram.register()
