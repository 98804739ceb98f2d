"""What other apps may listen to, so docs_app never imports them.

`docs_synced` is sent after a sync has committed a new head: `head` (the commit) and
`paths`, every repository path the sync found added, changed, deleted or renamed (both
names) — all files of the tree on a full sync — docs or not, excluded folders included.
"""

import logging

from django.dispatch import Signal

log = logging.getLogger(__name__)

docs_synced = Signal()


def announce_sync(*, head: str, paths: list[str]) -> None:
    """Send `docs_synced`; a failing receiver is logged and never fails the sync."""
    for receiver, result in docs_synced.send_robust(sender=None, head=head, paths=paths):
        if isinstance(result, Exception):
            log.error("docs_synced receiver %r failed: %s", receiver, result, exc_info=result)
