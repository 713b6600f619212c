"""The harvester itself: which API a recording belongs to, and that credentials never get in."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from pathlib import Path

import pytest
import yaml

from . import harvest
from .harvest import Record, Source


@pytest.mark.parametrize(
    ("uri", "api"),
    [
        ("https://api.openai.com/v1/responses", "responses"),
        ("https://chatgpt.com/backend-api/codex/responses", "responses"),
        ("https://api.openai.com/v1/chat/completions", "chat"),
        ("https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=1", "chat"),
        ("https://api.groq.com/openai/v1/chat/completions", "chat"),
        ("https://api.anthropic.com/v1/messages?beta=true", "messages"),
        ("https://api.anthropic.com/v1/messages/count_tokens", None),
        ("https://api.openai.com/v1/embeddings", None),
        ("https://api.openai.com/v1/responses/resp_1/input_items", None),
    ],
)
def test_the_api_is_read_from_the_request_path(uri: str, api: str | None) -> None:
    assert harvest._classify(uri) == (api, True)


def test_a_redacted_url_leaves_the_api_to_the_body() -> None:
    assert harvest._classify("**REDACTED**") == (None, False)
    stream = b'event: response.created\ndata: {"type":"response.created"}\n\n'
    assert harvest._api_from_body(stream, None, 200) == "responses"
    assert harvest._api_from_body(b'{"object":"list","data":[]}', {"input": "x"}, 200) is None


def _fake(prefix: str, length: int) -> str:
    # Built at run time, so no credential-shaped string sits in the source.
    return prefix + "Q7" * (length // 2)


@pytest.mark.parametrize(
    "secret",
    [
        _fake("sk-", 40),
        _fake("sk-proj-", 40),
        _fake("sk-ant-api03-", 40),
        "Bearer " + _fake("", 30),
        _fake("gsk_", 40),
        _fake("xai-", 40),
        ".".join(
            base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
            for part in ({"alg": "RS256"}, {"sub": "someone-somewhere"}, {"sig": "x"})
        ),
    ],
)
def test_credential_patterns(secret: str) -> None:
    assert harvest._CREDENTIAL.search(f'{{"note": "{secret}"}}'.encode())


@pytest.mark.parametrize("text", ["task-list", "gAAAABpj5jCA8ympy0QXePqq", "risk-free"])
def test_ordinary_text_is_no_credential(text: str) -> None:
    assert not harvest._CREDENTIAL.search(text.encode())


def _archive(tmp_path: Path, cassettes: dict[str, object]) -> Source:
    path = tmp_path / "pkg-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, document in cassettes.items():
            data = yaml.safe_dump(document).encode()
            info = tarfile.TarInfo(f"pkg-1.0/tests/cassettes/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return Source(
        name="pkg",
        version="1.0",
        archive=path.name,
        sha256=harvest._sha256(path),
        globs=("tests/cassettes/*.yaml",),
    )


def _interaction(uri: str, body: bytes, status: int = 200) -> dict[str, object]:
    return {
        "request": {
            "uri": uri,
            "method": "POST",
            "body": b'{"model":"m","stream":true}',
            "headers": {"authorization": ["Bearer " + _fake("", 30)]},
        },
        "response": {"status": {"code": status}, "headers": {}, "body": {"string": body}},
    }


def test_interactions_become_records_without_headers_or_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(harvest, "ARCHIVES", tmp_path)
    chunk = b'data: {"object":"chat.completion.chunk","choices":[]}\n\ndata: [DONE]\n\n'
    leaked = b'{"error": {"message": "bad key ' + _fake("sk-", 40).encode() + b'"}}'
    source = _archive(
        tmp_path,
        {
            "a.yaml": {
                "interactions": [
                    _interaction("https://api.groq.com/openai/v1/chat/completions", chunk),
                    _interaction("https://api.openai.com/v1/chat/completions", leaked, 401),
                    _interaction("https://api.openai.com/v1/embeddings", b"{}"),
                ]
            },
            # The other layout VCR writes: parallel lists of requests and responses.
            "b.yaml": {
                "requests": [_interaction("**REDACTED**", b"")["request"]],
                "responses": [
                    {"status": {"code": 200}, "body": {"string": b'{"object":"response"}'}}
                ],
            },
        },
    )
    found = list(harvest._records_of(source))
    records = [r for r in found if isinstance(r, Record)]
    assert [(r.id, r.api, r.vendor, r.streaming) for r in records] == [
        ("pkg/tests/cassettes/a.yaml#0", "chat", "groq", True),
        ("pkg/tests/cassettes/b.yaml#0", "responses", "openai", False),
    ]
    assert records[0].body == chunk
    assert records[0].request == {"model": "m", "stream": True}
    assert found.count("looks like it carries a credential") == 1
    assert all("sk-" not in reason for reason in found if isinstance(reason, str))


def test_an_archive_that_does_not_match_its_lock_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(harvest, "ARCHIVES", tmp_path)
    source = _archive(tmp_path, {"a.yaml": {"interactions": []}})
    tampered = Source(**{**source.__dict__, "sha256": "0" * 64})
    with pytest.raises(harvest.HarvestError, match="does not match the lock"):
        harvest._verify(tampered)
