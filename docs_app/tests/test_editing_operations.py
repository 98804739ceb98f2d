"""Block saves, doc and folder operations, images, history and restore, the docs_edit command.

Each operation is one commit on a real remote; the registry and redirects follow at once.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from dataops.errors import ServiceError
from docs_app import search
from docs_app.editing import blocks
from docs_app.editing.documents import CreateDoc, DeleteDoc, RenameDoc
from docs_app.editing.folders import CreateFolder, DeleteFolder, RenameFolder
from docs_app.editing.history import RestoreVersion, doc_history, version_diff
from docs_app.editing.images import AddImage
from docs_app.editing.publish import COMMITTED, CONFLICT, MERGED, UNCHANGED, publish
from docs_app.editing.saving import save_edited
from docs_app.editing.scaffolds import FULL_SOP, MINIMAL_SOP, PLAIN_PAGE, scaffold_text
from docs_app.models import Document
from docs_app.sop import lint, parse
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, git
from docs_app.tests.test_editing import mirror_git, pushing_remote, remote_file
from docs_app.tests.test_renames import open_the_sop
from docs_app.tests.test_sop_samples import group, marked_sop, screenshot, step

pytestmark = pytest.mark.django_db

SOP = "media/sops/publish-episode.md"
SOP_ID = "sop.media.publish-episode"
SOP_TEXT = marked_sop(
    "\n"
    + group("Upload", step(1, "Upload the video."), step(2, "Add the title.", inner=screenshot()))
    + group("Announce", step(3, "Post in Slack."), step(4, "Send the newsletter."))
)
FOLDER_DOCS = {f"team/guides/guide-{n:02d}.md": f"# Guide {n}\n\nText {n}.\n" for n in range(30)}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def remote(settings, local_cache, tmp_path) -> GitRemote:
    return pushing_remote(settings, tmp_path, {SOP: SOP_TEXT, **FOLDER_DOCS})


@pytest.fixture
def editor(make_user):
    return make_user("edith", "operator", first_name="Edith", last_name="Editor", email="e@x.org")


def head(settings) -> str:
    return mirror_git(settings, "rev-parse", "HEAD")


def blob(settings, path: str = SOP) -> str:
    return mirror_git(settings, "rev-parse", f"HEAD:{path}")


def commits_since(settings, since: str) -> int:
    return int(mirror_git(settings, "rev-list", "--count", f"{since}..HEAD"))


def edit_step(settings, editor, step_id: str, text: str, base: str):
    operation = save_edited(SOP, base, lambda t: blocks.block_replace(t, f"step:{step_id}", text))
    return publish(operation, user=editor)


def test_a_step_edit_commits_only_that_step(settings, remote, editor):
    before = head(settings)
    result = edit_step(settings, editor, "3", "3.  Post in #announcements.\n", blob(settings))
    assert result.status == COMMITTED
    diff = mirror_git(settings, "diff", "-U0", before, "HEAD")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in "+++---"]
    assert changed == ["-3.  Post in Slack.", "+3.  Post in #announcements."]
    assert Document.objects.get(path=SOP).last_commit_sha == result.commit
    assert SOP in [hit.path for hit in search.search("announcements").hits]


def test_two_editors_same_step_second_conflicts_other_step_merges(settings, remote, editor):
    base = blob(settings)
    assert edit_step(settings, editor, "3", "3.  Post in #general.\n", base).status == COMMITTED
    after_first = head(settings)

    clash = edit_step(settings, editor, "3", "3.  Post in #random.\n", base)
    assert clash.status == CONFLICT and head(settings) == after_first
    assert "#random" in clash.conflict.mine and "#general" in clash.conflict.theirs

    merged = edit_step(settings, editor, "1", "1.  Upload the final video.\n", base)
    assert merged.status == MERGED
    text = remote_file(remote, SOP)
    assert "#general" in text and "Upload the final video." in text


def test_reordering_steps_is_one_commit_with_renumbered_steps(settings, remote, editor):
    operation = save_edited(
        SOP, blob(settings), lambda t: blocks.steps_reorder(t, ["2", "1", "3", "4"])
    )
    assert publish(operation, user=editor).status == COMMITTED
    steps = parse(remote_file(remote, SOP)).steps()
    assert [s.id for s in steps] == ["1", "2", "3", "4"]
    assert "Add the title." in steps[0].body and "Upload the video." in steps[1].body


def test_create_docs_from_each_scaffold(settings, remote, editor):
    for kind, name in ((FULL_SOP, "full"), (MINIMAL_SOP, "minimal"), (PLAIN_PAGE, "page")):
        path = f"media/sops/new-{name}.md" if kind != PLAIN_PAGE else "media/new-page.md"
        text = scaffold_text(kind, f"New {name} doc")
        result = publish(CreateDoc(path, text), user=editor)
        assert result.status == COMMITTED and result.paths == [path]
        assert Document.objects.get(path=path).title == f"New {name} doc"
        if kind != PLAIN_PAGE:
            assert lint(text) == []
    with pytest.raises(ServiceError, match="already exists"):
        publish(CreateDoc(SOP, "x"), user=editor)


def test_a_renamed_doc_keeps_old_links_working(
    settings, remote, editor, operator_client, operator, tmp_path
):
    from tasks.selectors import template_page
    from tasks.services import templates_load, workflow_start
    from tasks.services.common import local_today

    template_file = tmp_path / "publish.yaml"
    template_file.write_text(
        "slug: publish\nname: Publish\ndefault_assignee: grace\n"
        "phases:\n  - {slug: only, title: Only}\n"
        f"tasks:\n  - {{ref: pub, title: Publish it, offset: 0, phase: only, doc: {SOP_ID}}}\n"
    )
    templates_load(paths=[template_file])
    workflow = workflow_start(
        template=template_page(slug="publish"), anchor_date=local_today(), by=operator
    )
    task = workflow.tasks.get(template_ref="pub")
    new = "media/podcast/sops/publish-the-episode.md"
    before = head(settings)

    result = publish(RenameDoc(SOP, new), user=editor)

    assert result.status == COMMITTED and commits_since(settings, before) == 1
    text = remote_file(remote, new)
    assert f"aliases: [{SOP_ID}]\n" in text
    doc = Document.objects.get(path=new)
    assert SOP_ID in doc.aliases and not Document.objects.filter(path=SOP).exists()
    response = open_the_sop(operator_client, task)
    assert response.status_code == 200 and response.context["doc"].path == new
    old_url = operator_client.get(reverse("docs:doc", args=[SOP]), follow=True)
    assert old_url.context["doc"].path == new


def test_a_folder_rename_is_one_commit_with_aliases(settings, remote, editor):
    before = head(settings)
    result = publish(RenameFolder("team/guides", "team", "handbook"), user=editor)

    assert result.status == COMMITTED and commits_since(settings, before) == 1
    assert len([p for p in result.paths if p.startswith("team/handbook/")]) == 30
    assert not Document.objects.filter(path__startswith="team/guides/").exists()
    moved = Document.objects.get(path="team/handbook/guide-07.md")
    assert "doc.team.guides.guide-07" in moved.aliases
    assert remote_file(remote, "team/handbook/guide-07.md") == (
        "---\naliases: [doc.team.guides.guide-07]\n---\n# Guide 7\n\nText 7.\n"
    )
    assert docs_sync().note.startswith("No changes")


def test_create_and_delete_folders_and_docs(settings, remote, editor, admin_user):
    before = head(settings)
    assert publish(CreateFolder("team", "empty"), user=editor).status == COMMITTED
    assert (settings.DOCS_MIRROR_DIR / "team/empty/.gitkeep").exists()
    result = publish(
        DeleteDoc("team/guides/guide-00.md", blob(settings, "team/guides/guide-00.md")),
        user=admin_user,
    )
    assert result.status == COMMITTED
    assert not Document.objects.filter(path="team/guides/guide-00.md").exists()
    assert publish(DeleteFolder("team/guides"), user=admin_user).status == COMMITTED
    assert not Document.objects.filter(path__startswith="team/guides/").exists()
    assert commits_since(settings, before) == 3


@pytest.mark.parametrize(
    "make",
    [
        lambda: CreateFolder("team", "a/b"),
        lambda: CreateFolder("team", "bad\x00name"),
        lambda: CreateFolder("team", ".."),
        lambda: CreateFolder("../outside", "x"),
        lambda: CreateFolder(".git", "x"),
        lambda: RenameFolder("team/guides", "team", "a/b"),
        lambda: RenameFolder("team/guides", "team/guides", "inside"),
        lambda: RenameFolder("team/nothing", "team", "other"),
        lambda: RenameDoc(SOP, "../x.md"),
        lambda: RenameDoc(SOP, "team/guides/guide-01.md"),
        lambda: RenameDoc("media/sops/missing.md", "media/x.md"),
        lambda: DeleteDoc("media/sops/missing.md"),
        lambda: DeleteFolder("team/nothing"),
        lambda: CreateDoc("team/guides/guide-01.md/x.md", "x"),
        lambda: CreateDoc("team/new.md", "x" * (1024 * 1024 + 1)),
        lambda: AddImage(SOP, "1", b"<html><script>alert(1)</script></html>", "shot.png"),
        lambda: AddImage(SOP, "1", b'<?xml version="1.0"?><svg onload="x"></svg>', "a.svg"),
        lambda: AddImage(SOP, "1", PNG + b"\x00" * (5 * 1024 * 1024), "big.png"),
        lambda: AddImage(SOP, "99", PNG, "shot.png"),
    ],
)
def test_bad_operations_write_nothing(settings, remote, admin_user, make):
    before = head(settings)
    with pytest.raises(ServiceError) as caught:
        publish(make(), user=admin_user)
    assert str(caught.value)
    assert head(settings) == before
    assert mirror_git(settings, "status", "--porcelain") == ""


def test_a_doc_with_invalid_utf8_is_not_edited(settings, remote, editor):
    git(remote.work, "pull", "--quiet", "--ff-only", "origin", "main")
    remote.write("media/latin1.md", b"# Caf\xe9\n")
    remote.commit("Latin-1 doc")
    docs_sync()
    with pytest.raises(ServiceError, match="not UTF-8"):
        publish(RenameDoc("media/latin1.md", "media/other.md"), user=editor)


def test_an_image_and_its_reference_are_one_commit(settings, remote, editor):
    before = head(settings)
    result = publish(AddImage(SOP, "3", PNG, "My Shot!.PNG", alt="The Slack post"), user=editor)
    assert result.status == COMMITTED and commits_since(settings, before) == 1
    image = next(p for p in result.paths if p.endswith(".png"))
    assert re.fullmatch(r"media/sops/assets/publish-episode/my-shot-[0-9a-f]{10}\.png", image)
    assert sorted(result.paths) == sorted([image, SOP])
    shots = parse(remote_file(remote, SOP)).find_step("3").screenshots
    assert shots[0].image.src == image.removeprefix("media/sops/")
    assert shots[0].image.alt == "The Slack post"


def test_history_lists_the_doc_commits_and_restore_is_a_new_commit(settings, remote, editor):
    first = edit_step(settings, editor, "1", "1.  Upload it.\n", blob(settings))
    edit_step(settings, editor, "1", "1.  Upload it twice.\n", blob(settings))
    renamed = "media/sops/publish.md"
    publish(RenameDoc(SOP, renamed), user=editor)

    history = doc_history(renamed)
    assert [v.status for v in history] == ["R", "M", "M", "A"]
    assert history[0].path == renamed and history[1].path == SOP
    assert history[1].email == "e@x.org"
    assert "+1.  Upload it twice." in version_diff(history[1])
    assert "rename from" in version_diff(history[0])

    before = head(settings)
    result = publish(RestoreVersion(renamed, first.commit, SOP), user=editor)
    assert result.status == COMMITTED and commits_since(settings, before) == 1
    text = remote_file(remote, renamed)
    assert "1.  Upload it.\n" in text and "aliases" not in text  # the whole old version
    assert publish(RestoreVersion(renamed, first.commit, SOP), user=editor).status == UNCHANGED
    with pytest.raises(ServiceError):
        publish(RestoreVersion(renamed, "f" * 40, SOP), user=editor)


# --- the command ----------------------------------------------------------------------------


def run_edit(tmp_path, text: str | bytes, base: str, *extra: str, path: str = SOP):
    source = tmp_path / "new.md"
    source.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(SystemExit) as caught:
        call_command("docs_edit", path, "--from-file", str(source), "--base", base, *extra)
        raise SystemExit(0)
    return caught.value.code


def test_command_commits_and_prints_the_sha(settings, remote, editor, tmp_path, capsys):
    text = SOP_TEXT.replace("Post in Slack.", "Post in Slack and Discord.")
    code = run_edit(tmp_path, text, blob(settings), "--author", "E@X.org", "--message", "Fix")
    assert code == 0
    assert capsys.readouterr().out.strip() == head(settings)
    assert mirror_git(settings, "log", "-1", "--format=%ae %s") == "e@x.org Fix"
    assert run_edit(tmp_path, text, blob(settings), "--author", "e@x.org") == 0
    assert "unchanged" in capsys.readouterr().out


def test_command_exits_3_on_a_conflict_and_writes_nothing(
    settings, remote, editor, tmp_path, capsys
):
    base = blob(settings)
    run_edit(tmp_path, SOP_TEXT.replace("Post in Slack.", "Post A."), base, "--author", "e@x.org")
    current, before = blob(settings), head(settings)
    capsys.readouterr()
    code = run_edit(
        tmp_path, SOP_TEXT.replace("Post in Slack.", "Post B."), base, "--author", "e@x.org"
    )
    assert code == 3
    out = capsys.readouterr().out
    assert f"base={base} current={current}" in out
    assert head(settings) == before and mirror_git(settings, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    "case",
    ["unknown author", "bad sha", "missing file", "dotdot", "too big", "not utf8", "wrong base"],
)
def test_command_exits_2_on_bad_input(settings, remote, editor, tmp_path, case):
    base, author, path, text = blob(settings), "e@x.org", SOP, SOP_TEXT + "\nMore.\n"
    if case == "unknown author":
        author = "nobody@x.org"
    elif case == "bad sha":
        base = "123"
    elif case == "dotdot":
        path = "../outside.md"
    elif case == "too big":
        text = "x" * (1024 * 1024 + 1)
    elif case == "not utf8":
        text = b"\xff\xfe\x00"
    elif case == "wrong base":
        base = "a" * 40
    before = head(settings)
    if case == "missing file":
        with pytest.raises(SystemExit) as caught:
            call_command(
                "docs_edit", SOP, "--from-file", str(tmp_path / "nope.md"), "--base", base,
                "--author", author,
            )  # fmt: skip
        code = caught.value.code
    else:
        code = run_edit(tmp_path, text, base, "--author", author, path=path)
    assert code == 2
    assert head(settings) == before and mirror_git(settings, "status", "--porcelain") == ""


def test_a_folder_move_in_the_background_is_a_job_run_and_an_audit_event(
    settings, remote, editor, admin_user, django_capture_on_commit_callbacks
):
    from dataops.models import AuditEvent, JobRun
    from docs_app.editing.tasks import PUBLISH_KIND, publish_enqueue

    with django_capture_on_commit_callbacks(execute=True):
        run = publish_enqueue(RenameFolder("team/guides", "", "guides"), user=editor)
    run.refresh_from_db()
    assert run.kind == PUBLISH_KIND and run.status == JobRun.Status.SUCCEEDED, run.error
    assert run.counts["commits"] == 1 and run.counts["files"] == 60
    assert Document.objects.filter(path__startswith="guides/").count() == 30
    assert AuditEvent.objects.filter(action="docs.edit.folder_rename", actor=editor).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        failed = publish_enqueue(DeleteFolder("team/guides"), user=admin_user)
    failed.refresh_from_db()
    assert failed.status == JobRun.Status.FAILED and "no folder" in failed.error


def test_opening_a_doc_for_editing(settings, remote, editor):
    from docs_app.editing.opening import BLOCKS, RAW, doc_for_edit

    sop = doc_for_edit(SOP)
    assert sop.mode == BLOCKS and sop.blob == blob(settings) and sop.head == head(settings)
    assert [b.ref for b in sop.blocks if b.kind == "step"] == [f"step:{n}" for n in "1234"]
    page = doc_for_edit("team/guides/guide-03.md")
    assert page.mode == RAW and page.text == FOLDER_DOCS["team/guides/guide-03.md"]

    broken = SOP_TEXT.replace("<!-- sop-step-end -->", "", 1)
    result = publish(save_edited(SOP, sop.blob, lambda _: broken), user=editor)
    assert result.status == COMMITTED  # raw mode saves an unparseable SOP as written
    reopened = doc_for_edit(SOP)
    assert reopened.mode == RAW and reopened.problems[0].startswith("line ")
    with pytest.raises(ServiceError):
        doc_for_edit("../x.md")


def test_findings_before_publishing_are_type_aware():
    from docs_app.editing.opening import findings_for

    template = "---\ntitle: Invitation\n---\n\n# Invitation\n\nDear guest,\n"
    assert findings_for("media/templates/invitation.md", template) == []
    assert findings_for("media/reference/rates.md", "# Rates\n") == []
    assert findings_for(SOP, SOP_TEXT) == []
    missing = SOP_TEXT.replace("<!-- sop-section-start: validation -->", "", 1)
    assert findings_for(SOP, missing)  # an SOP missing a section is told so


def test_operators_edit_and_only_admins_delete(settings, remote, editor, outsider, admin_user):
    before = head(settings)
    for operation, user in (
        (DeleteDoc(SOP), editor),
        (DeleteFolder("team/guides"), editor),
        (CreateDoc("team/new.md", "# New\n"), outsider),
    ):
        with pytest.raises(ServiceError) as caught:
            publish(operation, user=user)
        assert caught.value.code == "forbidden"
    assert head(settings) == before
    assert publish(DeleteDoc(SOP), user=admin_user).status == COMMITTED
