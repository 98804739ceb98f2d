"""Celery jobs of the podcast app."""
