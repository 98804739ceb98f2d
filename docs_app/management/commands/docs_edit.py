"""`manage.py docs_edit PATH --from-file FILE --base BLOB_SHA --author EMAIL [--message TEXT]`.

Publishes a whole new version of one doc through the same machinery as the editor: three-way
merge when the doc changed since BLOB_SHA, commit with the account of EMAIL as author, push,
re-register and re-index. Exit codes: 0 committed (prints the commit sha; also when there was
nothing to change), 3 an unmergeable conflict (prints both blob shas, writes nothing),
2 bad input (missing file, unknown author, bad path or sha, oversized or non-UTF-8 text),
1 anything else (e.g. the remote could not be reached; nothing published).
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from dataops.errors import ServiceError
from docs_app.editing.publish import CONFLICT, UNCHANGED, publish
from docs_app.editing.saving import SaveDoc

EXIT_BAD_INPUT = 2
EXIT_CONFLICT = 3
EXIT_FAILED = 1
# Codes of refusals caused by the input; anything else is a failure to publish.
_FAILURE_CODES = {"busy", "push", "git"}


class Command(BaseCommand):
    help = "Publish a new version of one doc as a commit by the given user (merge or conflict)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the doc's path in the docs repository")
        parser.add_argument("--from-file", required=True, help="the new text of the doc")
        parser.add_argument(
            "--base", required=True, help="blob sha of the version the new text started from"
        )
        parser.add_argument("--author", required=True, help="email of the user committing")
        parser.add_argument("--message", default="", help="commit message")

    def handle(self, *args, **options):
        user = self._user(options["author"])
        body = self._body(options["from_file"])
        try:
            operation = SaveDoc(options["path"], body, options["base"])
            result = publish(operation, user=user, message=options["message"])
        except ServiceError as exc:
            self.stderr.write(f"docs_edit: {exc}")
            sys.exit(EXIT_FAILED if exc.code in _FAILURE_CODES else EXIT_BAD_INPUT)
        if result.status == CONFLICT:
            conflict = result.conflict
            self.stderr.write(f"docs_edit: {result.message}")
            self.stdout.write(f"conflict base={conflict.base_blob} current={conflict.current_blob}")
            self.stdout.write(conflict.diff)
            sys.exit(EXIT_CONFLICT)
        if result.status == UNCHANGED:
            self.stdout.write("unchanged: no commit")
            return
        self.stdout.write(result.commit)
        if result.merged:
            self.stderr.write("docs_edit: merged with changes made since the base version")

    def _user(self, email: str):
        users = get_user_model().objects.filter(email__iexact=(email or "").strip(), is_active=True)
        found = list(users[:2])
        if len(found) != 1:
            self.stderr.write(
                f"docs_edit: no single active account has the email {email!r}."
                if not found
                else f"docs_edit: several accounts have the email {email!r}."
            )
            sys.exit(EXIT_BAD_INPUT)
        return found[0]

    def _body(self, name: str) -> bytes:
        path = Path(name)
        try:
            return path.read_bytes()
        except OSError as exc:
            self.stderr.write(f"docs_edit: cannot read {name!r}: {exc.strerror or exc}")
            sys.exit(EXIT_BAD_INPUT)
