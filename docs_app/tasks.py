"""Celery jobs of the docs_app app."""
