"""Links to a file on the git host the mirror comes from, when it is a host we know.

Remotes come as `https://host/owner/repo(.git)`, `ssh://git@host[:port]/owner/repo.git` or
scp-like `git@host:owner/repo.git`; credentials in an https URL are dropped. Local paths and
unknown hosts give no link.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# host → (label, URL template for a file on a branch)
HOSTS = {
    "github.com": ("GitHub", "{base}/blob/{branch}/{path}"),
    "gitlab.com": ("GitLab", "{base}/-/blob/{branch}/{path}"),
    "bitbucket.org": ("Bitbucket", "{base}/src/{branch}/{path}"),
    "codeberg.org": ("Codeberg", "{base}/src/branch/{branch}/{path}"),
}
_SCP_LIKE = re.compile(r"^[\w.-]+@(?P<host>[\w.-]+):(?P<repo>[^/].*)$")


def _host_and_repo(remote: str) -> tuple[str, str] | None:
    remote = remote.strip()
    match = _SCP_LIKE.match(remote)
    if match:
        return match.group("host").lower(), match.group("repo")
    try:
        parts = urlsplit(remote)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("https", "http", "ssh", "git") or not host:
        return None
    return host, parts.path.lstrip("/")


def file_url(remote: str, branch: str, path: str) -> tuple[str, str] | None:
    """`(host label, URL of the file)` or None when the remote is not a known host."""
    found = _host_and_repo(remote or "")
    if found is None:
        return None
    host, repo = found
    if host.startswith("www."):
        host = host[4:]
    if host not in HOSTS:
        return None
    repo = repo.rstrip("/").removesuffix(".git")
    if repo.count("/") < 1 or ".." in repo.split("/"):
        return None
    label, template = HOSTS[host]
    base = f"https://{host}/{quote(repo)}"
    return label, template.format(
        base=base, branch=quote(branch or "main", safe=""), path=quote(path)
    )
