"""Proof files: size and type limits, sha256, storage, and members-only downloads."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dataops.errors import ServiceError
from tasks import messages, services
from tasks.demo import PNG
from tasks.models import ProofFile
from tasks.tests.conftest import days, ref

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% proof\n"


def upload(name="proof.png", content=PNG, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type)


def refused(**kwargs) -> str:
    with pytest.raises(ServiceError) as caught:
        services.task_attach_proof_file(**kwargs)
    return str(caught.value)


def test_a_file_is_stored_under_a_random_name_with_its_sha256(
    make_task, operator, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    proof = services.task_attach_proof_file(
        task=make_task(), by=operator, upload=upload("Banner final.png")
    )
    assert (proof.original_name, proof.size, proof.content_type) == (
        "Banner final.png",
        len(PNG),
        "image/png",
    )
    assert proof.sha256 == hashlib.sha256(PNG).hexdigest()
    assert proof.file.name.startswith("proof/") and "Banner" not in proof.file.name
    assert (tmp_path / proof.file.name).read_bytes() == PNG
    assert proof.task.history.last().after["sha256"] == proof.sha256


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (
            upload("x.exe", b"MZ\x90\x00", "application/octet-stream"),
            messages.FILE_TYPE.format(ext=".exe"),
        ),
        (
            upload("x.svg", b"<svg onload=alert(1)>", "image/svg+xml"),
            messages.FILE_TYPE.format(ext=".svg"),
        ),
        (upload("x", b"data", "text/plain"), messages.FILE_TYPE.format(ext="no extension")),
        (
            upload("x.pdf", b"<html>not a pdf</html>", "application/pdf"),
            messages.FILE_CONTENT.format(ext=".pdf"),
        ),
        (
            upload("x.txt", b"\x00\x01binary", "text/plain"),
            messages.FILE_CONTENT.format(ext=".txt"),
        ),
        (upload("x.png", b"", "image/png"), messages.FILE_EMPTY),
    ],
)
def test_disallowed_or_disguised_files_are_refused(make_task, operator, file, message):
    assert refused(task=make_task(), by=operator, upload=file) == message
    assert not ProofFile.objects.exists()


def test_oversized_files_are_refused(make_task, operator, settings):
    settings.PROOF_MAX_FILE_BYTES = 1000
    message = refused(
        task=make_task(), by=operator, upload=upload("big.pdf", PDF * 100, "application/pdf")
    )
    assert message.replace("\xa0", " ") == "The file is 1.7 KB; files may be at most 1000 bytes."


def test_completing_a_file_task_without_a_file_is_refused_then_works_with_one(
    start_podcast, operator, today, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    task = ref(start_podcast(today + days(18)), "create-banner-figma")
    with pytest.raises(ServiceError, match="Add a file \\(“Podcast banner or cover”\\)"):
        services.task_complete(task=task, by=operator)
    task = services.task_complete(
        task=task, by=operator, proof=services.ProofInput(file=upload("banner.png"))
    )
    assert task.status == "done"
    assert task.proof_files.get().original_name == "banner.png"


def test_proof_files_are_served_to_members_only(
    make_task, operator, client, outsider, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    proof = services.task_attach_proof_file(
        task=make_task(), by=operator, upload=upload("a.pdf", PDF, "application/pdf")
    )
    url = reverse("tasks:proof-file", args=[proof.pk])
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    client.force_login(operator)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "sandbox" in response["Content-Security-Policy"]
    assert client.get(f"/media/{proof.file.name}").status_code == 404  # no public media URL


def test_uploading_through_the_task_page(operator_client, make_task, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    task = make_task()
    url = reverse("tasks:task-proof-file", args=[task.pk])
    response = operator_client.post(url, {"file": upload("notes.exe", b"MZ"), "ctx": "task"})
    assert response.status_code == 422
    assert "are not accepted" in response.content.decode()
    response = operator_client.post(url, {"file": upload(), "ctx": "task"})
    assert response.status_code == 302
    assert task.proof_files.count() == 1
