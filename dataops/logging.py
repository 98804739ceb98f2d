"""Log records carry the id of the request or job run that produced them."""

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager

_context_id: contextvars.ContextVar[str] = contextvars.ContextVar("log_context_id", default="-")


def current_context_id() -> str:
    return _context_id.get()


@contextmanager
def bind_context_id(value: str) -> Iterator[None]:
    """Tag every log line emitted inside the block with `value`."""
    token = _context_id.set(value)
    try:
        yield
    finally:
        _context_id.reset(token)


class ContextFilter(logging.Filter):
    """Adds ``request_id`` (the request id, ``job-<pk>``, or ``-``) and masks secrets.

    Libraries (Celery's tracer, git, HTTP clients) log exception texts that may carry
    credentials; the message and the formatted traceback both go through `redact`.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from dataops.redact import redact

        record.request_id = _context_id.get()
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
