from django.apps import AppConfig


class PodcastKbConfig(AppConfig):
    name = "podcast.kb"
    label = "podcast_kb"
    verbose_name = "Podcast knowledge base"

    def ready(self) -> None:
        # A docs sync that changed files under the KB or people folders queues an import;
        # docs_app only sends the signal and knows nothing about the podcast.
        from docs_app.signals import docs_synced
        from podcast.kb.receivers import import_after_docs_sync

        docs_synced.connect(import_after_docs_sync, dispatch_uid="podcast_kb.docs_synced")
