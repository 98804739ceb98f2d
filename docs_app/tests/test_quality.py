"""The process-quality report: the page (filters, counts, paging, query count), the
`docs_quality` command, and the workflow-template checks computed at report time."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from docs_app import quality
from docs_app.models import Document, Finding

URL = "/docs/quality/"


def make_doc(path: str, **fields) -> Document:
    domain = path.split("/")[0] if "/" in path else ""
    defaults = {
        "doc_id": path.removesuffix(".md").replace("/", "."),
        "title": path,
        "doc_type": "doc",
        "domain": domain,
        "folder": path.rpartition("/")[0],
        "summary": "A summary.",
    }
    return Document.objects.create(path=path, **{**defaults, **fields})


def make_finding(
    document: Document, severity: str, category: str, message: str, **extra
) -> Finding:
    return Finding.objects.create(
        document=document,
        path=document.path,
        severity=severity,
        category=category,
        code=extra.pop("code", "test"),
        message=message,
        next_action=extra.pop("next_action", f"Fix: {message}"),
        **extra,
    )


@pytest.fixture
def corpus(db):
    invoices = make_doc("finance/invoices.md", title="Invoices")
    luma = make_doc("events/luma.md", title="Luma events")
    make_finding(invoices, "info", "todo-or-placeholder", "Placeholder TBD: amounts", line=4)
    make_finding(luma, "warning", "broken-asset-reference", "Image not found: x.png", line=9)
    make_finding(
        invoices,
        "blocking",
        "broken-doc-reference",
        "Document reference not found: ghost",
        line=12,
        next_action="Fix the link on line 12 or create the doc `ghost`.",
    )
    make_finding(luma, "blocking", "lint", "missing required section: validation")
    return invoices, luma


def rows_in(page: str) -> list[str]:
    return [chunk.split('"', 1)[0] for chunk in page.split('data-finding="')[1:]]


@pytest.mark.django_db
def test_report_lists_findings_most_severe_first_with_what_to_do(corpus, operator_client):
    response = operator_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    blocking = page.index("Document reference not found: ghost")
    assert blocking < page.index("Image not found: x.png") < page.index("Placeholder TBD")
    assert "Fix the link on line 12 or create the doc <code>ghost</code>." in page
    assert f'href="{reverse("docs:doc", args=["finance/invoices.md"])}"' in page
    assert "4 findings" in page


@pytest.mark.django_db
def test_filters_narrow_the_list_and_counts_follow_the_other_filters(corpus, operator_client):
    page = operator_client.get(URL, {"severity": "blocking"}).content.decode()
    assert "Document reference not found: ghost" in page and "Image not found" not in page
    assert "2 findings match the filters" in page
    assert ">Blocking (2)</option>" in page and ">Warning (1)</option>" in page

    page = operator_client.get(URL, {"domain": "finance"}).content.decode()
    assert "Placeholder TBD" in page and "Luma" not in page.split("quality-results")[1]
    assert ">Blocking (1)</option>" in page and ">Info (1)</option>" in page
    assert ">Warning (0)</option>" in page
    assert ">events (2)</option>" in page and ">finance (2)</option>" in page

    page = operator_client.get(URL, {"category": "lint"}).content.decode()
    assert "missing required section: validation" in page and "found: ghost" not in page


@pytest.mark.django_db
def test_unknown_filter_values_are_ignored(corpus, operator_client):
    response = operator_client.get(URL, {"severity": "catastrophic", "page": "999"})
    assert response.status_code == 200 and "4 findings" in response.content.decode()


@pytest.mark.django_db
def test_htmx_filtering_returns_only_the_results(corpus, operator_client):
    response = operator_client.get(URL, {"severity": "warning"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<html" not in page and 'id="quality-results"' in page
    assert rows_in(page) == ["test"] and "Image not found" in page


@pytest.mark.django_db
def test_report_pages_and_keeps_a_constant_query_count(operator_client):
    doc = make_doc("ops/x.md")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert operator_client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    for n in range(5):
        make_finding(doc, "info", "lint", f"problem {n}")
    operator_client.get(URL)  # cached role lists filled
    small = queries()
    for n in range(5, 120):
        make_finding(doc, "warning", "lint", f"problem {n}")
    assert queries() == small
    page_two = operator_client.get(URL, {"page": 2}).content.decode()
    assert "Page 2 of 3" in page_two


@pytest.mark.django_db
def test_empty_report_says_so(operator_client):
    page = operator_client.get(URL).content.decode()
    assert "No findings" in page and "have not been synced yet" in page


@pytest.mark.django_db
def test_every_logged_in_user_may_read_it_but_only_admins_see_sync_now(
    corpus, outsider, client, admin_client_
):
    client.force_login(outsider)
    page = client.get(URL).content.decode()
    assert "Invoices" in page and "Sync now" not in page
    assert "Sync now" in admin_client_.get(URL).content.decode()


# --- the command -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_prints_the_report_and_filters_it(corpus):
    out = StringIO()
    call_command("docs_quality", stdout=out)
    text = out.getvalue()
    assert text.index("blocking") < text.index("warning") < text.index("info")
    assert "finance/invoices.md:12  Document reference not found: ghost" in text
    assert "→ Fix the link on line 12 or create the doc `ghost`." in text
    assert text.strip().endswith("4 finding(s).")

    out = StringIO()
    call_command(
        "docs_quality", "--json", "--severity", "blocking", "--domain", "finance", stdout=out
    )
    assert json.loads(out.getvalue()) == [
        {
            "severity": "blocking",
            "category": "broken-doc-reference",
            "code": "test",
            "path": "finance/invoices.md",
            "doc_id": "finance.invoices",
            "title": "Invoices",
            "domain": "finance",
            "message": "Document reference not found: ghost",
            "next_action": "Fix the link on line 12 or create the doc `ghost`.",
            "line": 12,
            "url": reverse("docs:doc", args=["finance/invoices.md"]),
        }
    ]


@pytest.mark.django_db
def test_command_refuses_unknown_categories():
    with pytest.raises(CommandError):
        call_command("docs_quality", "--category", "nonsense")


@pytest.mark.django_db
def test_command_on_an_empty_registry():
    out = StringIO()
    call_command("docs_quality", stdout=out)
    assert out.getvalue().strip() == "No findings."


# --- workflow templates (work engine) ---------------------------------------------------------


@pytest.fixture
def templates(db):
    if quality._tasks_model("TaskDefinition") is None:
        pytest.skip("the work engine has no TaskDefinition model")
    from tasks.models import TaskDefinition, TemplatePhase, WorkflowTemplate

    make_doc(
        "media/sops/ok.md", doc_id="sop.media.ok", doc_type="sop", frontmatter={"owner": "ops"}
    )
    make_doc("media/sops/no-owner.md", doc_id="sop.media.no-owner", doc_type="sop", summary="")
    template = WorkflowTemplate.objects.create(
        slug="podcast", name="Podcast", kind="podcast", docs=["sop.media.ok", "sop.gone"]
    )
    phase = TemplatePhase.objects.create(template=template, slug="prep", title="Prep")
    for position, (ref, doc) in enumerate(
        [("fine", "sop.media.ok"), ("missing", "sop.media.missing"), ("thin", "sop.media.no-owner")]
    ):
        TaskDefinition.objects.create(
            template=template,
            ref=ref,
            title=ref.title(),
            offset_days=-position,
            phase=phase,
            position=position,
            instruction_doc=doc,
        )
    return template


@pytest.mark.django_db
def test_template_tasks_with_unresolved_docs_and_thin_docs_are_reported(templates):
    rows = quality.workflow_rows()
    assert [(row.severity, row.code, row.doc_id) for row in rows] == [
        ("blocking", "template-doc-missing", "sop.media.missing"),
        ("blocking", "template-doc-missing", "sop.gone"),
        ("warning", "workflow-doc-metadata", "sop.media.no-owner"),
    ]
    assert rows[0].message == (
        "The task “Missing (missing)” of template “Podcast” links to `sop.media.missing`, "
        "which does not resolve: Document reference not found: sop.media.missing"
    )
    assert "no summary and no owner" in rows[2].message
    assert rows[2].url == reverse("docs:doc", args=["media/sops/no-owner.md"])


@pytest.mark.django_db
def test_template_rows_appear_on_the_page_and_in_the_counts(templates, operator_client):
    page = operator_client.get(URL).content.decode()
    assert "Workflow templates" in page and "sop.media.missing" in page
    assert ">Blocking (2)</option>" in page and ">Missing metadata (1)</option>" in page
    filtered = operator_client.get(URL, {"domain": "media"}).content.decode()
    assert "sop.media.missing" not in filtered and "media/sops/no-owner.md" in filtered
    out = StringIO()
    call_command("docs_quality", "--json", "--category", "missing-metadata", stdout=out)
    assert [row["code"] for row in json.loads(out.getvalue())] == ["workflow-doc-metadata"]


def test_without_the_work_engine_the_template_checks_are_empty(monkeypatch):
    monkeypatch.setattr(quality, "_tasks_model", lambda name: None)
    assert quality.template_doc_uses() == [] and quality.workflow_rows() == []


@pytest.mark.django_db
def test_messages_are_escaped_on_the_page(operator_client):
    doc = make_doc("x.md")
    make_finding(doc, "info", "lint", "Placeholder TODO: <script>alert(1)</script> `x<y`")
    page = operator_client.get(URL).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <code>x&lt;y</code>" in page
