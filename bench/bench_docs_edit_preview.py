"""Raw Markdown mode: the live preview of a 200-step SOP (goal p95 ≤ 100 ms).

The preview endpoint renders the text as typed with the doc page's renderer (frontmatter,
SOP markers, refs resolved against the registry, sanitised). Measured through the endpoint
as an operator (test client: session, CSRF-exempt client, view, template) and the render alone.
"""

from __future__ import annotations

from django.test import Client

from bench.bench_docs_read import BIG_SOP, Corpus
from bench.harness import Result, measure

TITLE = "Docs editing: raw-mode preview of a 200-step SOP"


def run(ctx) -> list[Result]:
    from dataops.models import User
    from dataops.roles import grant_role
    from docs_app.views.edit_raw import preview

    text = Corpus().sop("sop.media.big", 200, "The big 200-step procedure")
    user = User.objects.create_user(username="previewer", password="x-Preview-2026")
    grant_role(user, "operator")
    client = Client()
    client.force_login(user)
    data = {"path": BIG_SOP, "text": text}

    def post_preview():
        response = client.post("/docs/edit/preview/", data)
        if response.status_code != 200 or b"sop-step" not in response.content:
            raise RuntimeError(f"preview failed: {response.status_code}")

    note = f"{len(text):,} bytes, 200 steps"
    return [
        measure("POST /docs/edit/preview/ (200-step SOP)", post_preview, target_ms=100, note=note),
        measure("render alone (200-step SOP)", lambda: preview(BIG_SOP, text), note=note),
    ]
