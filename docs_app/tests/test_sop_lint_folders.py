"""`sop_lint` on a folder sees the files the docs sync registers from the same repository."""

import io
import os

import pytest

from docs_app.models import Document
from docs_app.sop.cli import doc_files, run_lint
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, point_docs_at

FILES = {
    "README.md": "# Team docs\n",
    "ops/sops/restart.md": "---\ntitle: Restart\ndoc_type: sop\n---\n# Restart\n",
    ".github/PULL_REQUEST_TEMPLATE.md": "# Pull request\n",
    ".hidden/sops/secret.md": "# A hidden SOP without frontmatter\n",
    "deep/a/b/c/d/e.md": "# Five levels down\n",
    "notes.txt": "not a doc\n",
    "data.md.bak": "not a doc either\n",
}


@pytest.mark.django_db
def test_lint_walks_a_folder_as_the_sync_registers_it(settings, local_cache, tmp_path):
    remote = GitRemote.create(tmp_path / "docs", FILES)
    remote.symlink("ops/sops/link.md", "restart.md")
    remote.symlink("linked-folder", "ops")
    remote.commit("Links")
    point_docs_at(settings, remote.bare, tmp_path / "mirror")
    docs_sync()

    registered = set(Document.objects.values_list("path", flat=True))
    assert set(doc_files(remote.work)) == registered
    assert ".hidden/sops/secret.md" in registered and "ops/sops/link.md" in registered
    assert not any(path.startswith(("linked-folder/", ".git/")) for path in registered)

    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_lint([str(remote.work)], stdout=stdout, stderr=stderr)
    assert code == 2  # the symlink is refused, as the sync refuses to follow it
    assert stdout.getvalue() == (
        f"{os.path.join(remote.work, '.hidden/sops/secret.md')}: missing frontmatter\n"
    )
    assert stderr.getvalue().startswith(
        f"{remote.work}/ops/sops/link.md: cannot read: symlink to restart.md, not followed\n"
    )
