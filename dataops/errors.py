"""The one exception type services raise for refusals a user should read."""


class ServiceError(Exception):
    """A refused action. ``str(exc)`` is shown to the user as is; ``field`` names the input."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return self.message
