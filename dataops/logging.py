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
    """Adds ``request_id`` to each record (the request id, ``job-<pk>``, or ``-``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _context_id.get()
        return True
