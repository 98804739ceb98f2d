"""Choices shared by the work records: workflow stages, proof kinds, schedule policies."""

from django.db import models


class Stage(models.TextChoices):
    """A workflow's stage only moves forward, except by a manual change with a comment."""

    PREPARATION = "preparation", "Preparation"
    ANNOUNCED = "announced", "Announced"
    AFTER_EVENT = "after-event", "After event"
    DONE = "done", "Done"

    @classmethod
    def rank(cls, value: str) -> int:
        return cls.values.index(value)


class CatchUp(models.TextChoices):
    """What a schedule does with occurrences whose day passed while nothing generated them."""

    ALL = "all", "Create every missed one"
    LATEST = "latest", "Create only the latest missed one"
    NONE = "none", "Skip missed ones"


class Shift(models.TextChoices):
    """Where an occurrence on a weekend, holiday or closure day is due."""

    NONE = "none", "On the day itself"
    NEXT = "next", "Next working day"
    PREVIOUS = "previous", "Previous working day"


class ProofKind(models.TextChoices):
    NONE = "none", "No proof"
    URL = "url", "Link"
    FILE = "file", "File"
    NOTE = "note", "Note"
    EXTERNAL_STATUS = "external_status", "External status"
    ASSISTANT_OUTPUT = "assistant_output", "Approved assistant output"
