"""Call recordings: validated on upload, played back only through the tenancy-checked view."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dcrc.care import hotline
from dcrc.care.models import InboundCall

pytestmark = pytest.mark.django_db

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 400
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 200
M4A = b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 200


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def call_a(care_a):
    return hotline.inbound_call_register(dealer=care_a, phone="13500000000")


def upload(client, call, name, content):
    return client.post(
        reverse("care:call_recording_upload", args=[call.pk]),
        {"recording": SimpleUploadedFile(name, content)},
    )


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("call.mp3", MP3, "audio/mpeg"),
        ("call.WAV", WAV, "audio/wav"),
        ("voicemail.m4a", M4A, "audio/mp4"),
    ],
)
def test_it_attaches_and_plays_back_a_recording(client, agent_a, call_a, name, content, mime):
    client.force_login(agent_a)
    assert upload(client, call_a, name, content).status_code == 302
    call_a.refresh_from_db()
    assert call_a.recording.name.startswith("recordings/")
    assert name.split(".")[0] not in call_a.recording.name.rsplit("/", 1)[-1]  # random name
    page = client.get(call_a.get_absolute_url()).content.decode()
    assert reverse("care:call_recording", args=[call_a.pk]) in page
    assert "/media/" not in page
    response = client.get(reverse("care:call_recording", args=[call_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == mime
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.pdf", b"%PDF-1.7" + b"\x00" * 100),  # not an audio extension
        ("call.mp3", b"%PDF-1.7" + b"\x00" * 100),  # a document renamed to .mp3
        ("call.wav", MP3),  # the wrong container for the extension
        ("call.mp3", b""),  # empty
    ],
)
def test_it_refuses_files_that_are_not_recordings(client, agent_a, call_a, name, content):
    client.force_login(agent_a)
    response = upload(client, call_a, name, content)
    assert response.status_code == 422
    assert "recording" in response.context["recording_form"].errors
    call_a.refresh_from_db()
    assert not call_a.recording


def test_it_refuses_recordings_over_the_size_limit(client, agent_a, call_a, settings):
    settings.DCRC_RECORDING_MAX_MB = 1
    client.force_login(agent_a)
    response = upload(client, call_a, "long.mp3", MP3 + b"\x00" * (1024 * 1024))
    assert response.status_code == 422
    assert "recording" in response.context["recording_form"].errors
    assert upload(client, call_a, "short.mp3", MP3).status_code == 302


def test_it_replaces_a_recording_and_removes_the_old_file(
    call_a, agent_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = hotline.inbound_call_recording_attach(
            call=call_a, recording=SimpleUploadedFile("a.mp3", MP3)
        )
    old_name = first.recording.name
    with django_capture_on_commit_callbacks(execute=True):
        second = hotline.inbound_call_recording_attach(
            call=call_a, recording=SimpleUploadedFile("b.wav", WAV)
        )
    assert second.recording.name != old_name
    assert not second.recording.storage.exists(old_name)
    assert second.recording.storage.exists(second.recording.name)


def test_it_plays_recordings_to_the_dealers_staff_only(
    client, agent_a, agent_b, technician_a, call_a
):
    hotline.inbound_call_recording_attach(call=call_a, recording=SimpleUploadedFile("a.mp3", MP3))
    url = reverse("care:call_recording", args=[call_a.pk])
    client.force_login(agent_b)
    assert client.get(url).status_code == 404
    assert upload(client, call_a, "x.mp3", MP3).status_code == 404
    client.force_login(technician_a)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the login


def test_it_answers_404_when_there_is_no_recording(client, agent_a, call_a):
    client.force_login(agent_a)
    assert client.get(reverse("care:call_recording", args=[call_a.pk])).status_code == 404


def test_it_does_not_serve_media_files_publicly(client, agent_a, call_a):
    call = hotline.inbound_call_recording_attach(
        call=call_a, recording=SimpleUploadedFile("a.mp3", MP3)
    )
    assert InboundCall.objects.get().recording.name == call.recording.name
    assert client.get("/media/" + call.recording.name).status_code == 404
