"""Celery jobs of the tasks app."""
