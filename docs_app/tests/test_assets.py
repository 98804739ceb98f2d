"""Images served from the mirror: the right type, confined to the content root."""

import os

import pytest
from django.conf import settings

from docs_app import files

SHOT = "images/media/podcast/drive-make-a-copy.png"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_an_image_is_served_with_its_type_and_nosniff(content_docs, operator_client):
    response = operator_client.get(f"/docs/assets/{SHOT}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert _body(response) == (settings.DOCS_MIRROR_DIR / SHOT).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "../etc/passwd",
        "images/../../etc/hostname.png",
        "%2e%2e/%2e%2e/etc/passwd",
        "/etc/passwd",
        "//etc/passwd",
        ".git/config",
        ".git/HEAD.png",
        "images/missing.png",
        "README.md",  # a document, not an image
        "images",
    ],
)
def test_paths_outside_the_root_or_not_images_are_404(content_docs, operator_client, path):
    response = operator_client.get(f"/docs/assets/{path}")
    assert response.status_code == 404


def test_a_symlink_pointing_outside_the_mirror_is_refused(content_docs, operator_client):
    outside = settings.DOCS_MIRROR_DIR.parent / "outside-secret.png"
    outside.write_bytes(b"\x89PNG secret")
    link = settings.DOCS_MIRROR_DIR / "images" / "escape.png"
    os.symlink(outside, link)
    try:
        assert files.safe_path("images/escape.png") is None
        assert operator_client.get("/docs/assets/images/escape.png").status_code == 404
    finally:
        link.unlink()


def test_an_svg_is_sandboxed(content_docs, operator_client):
    svg = settings.DOCS_MIRROR_DIR / "images" / "diagram.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    try:
        response = operator_client.get("/docs/assets/images/diagram.svg")
        assert response["Content-Type"] == "image/svg+xml"
        assert "sandbox" in response["Content-Security-Policy"]
        assert "default-src 'none'" in response["Content-Security-Policy"]
    finally:
        svg.unlink()


def test_anonymous_users_cannot_fetch_assets(content_docs, client):
    response = client.get(f"/docs/assets/{SHOT}")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "rel", ["", "a//b", "./a", "a/../b", "/abs", "a\\b", "x\x00y", ".git/x", "a/.GIT/b"]
)
def test_unsafe_relative_paths_are_recognised(rel):
    assert not files.is_safe_relative(rel)
