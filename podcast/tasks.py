"""Celery tasks of the podcast app, found by the worker's autodiscovery (`<app>.tasks`):
the assistant's runner and its reaper live in `podcast.assistant.tasks`."""

from podcast.assistant.tasks import reap_lost_assistant_jobs, run_assistant_job

__all__ = ["reap_lost_assistant_jobs", "run_assistant_job"]
