"""Static files in production: whitenoise's compressed, hashed copies, with each name's URL
worked out once per process.

The manifest is read when the storage starts and does not change while the process runs, so
the URL of `css/app.css` is the same on every request; the base layout asks for eight of them
on every page, and each lookup splits, unquotes and hashes the name again.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = super().url(name)
        return found
