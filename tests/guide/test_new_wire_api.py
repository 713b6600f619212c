"""docs/adding-a-provider.md, "A new wire API", followed: a fourth wire API with the model in the
URL path (the Gemini-like ``gemini`` of ``tests/guide/gemini/``) streams through the client.

Everything the new API needs is in its own files: its schema (``gemini.yaml``, compiled here by the
project's code generator), its wire API package (``wire/``, what ``src/modelwire/apis/gemini/``
would be), its emulator module (``emulated.py``) and this test. Two registrations join it to the
tables (in-tree they are the entries in ``WIRE_APIS`` and ``EMULATED_APIS``), plus a service
registered as any provider is.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import modelwire as mw
import modelwire.testing.apis
from modelwire import native
from modelwire.apis import register_wire_api, unregister_wire_api
from modelwire.auth import Auth, OutgoingRequest
from modelwire.testing import FakeServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = Path(__file__).resolve().parent / "gemini"
#: The files the new API took, besides the two registrations and its service.
NEW_API_FILES = sorted(
    path.relative_to(ROOT).as_posix()
    for path in [*EXAMPLE.rglob("*.py"), *EXAMPLE.rglob("*.yaml"), Path(__file__)]
)


class GeminiKeyAuth(Auth):
    """The service's credential: an API key in ``x-goog-api-key``."""

    mode = "gemini-api-key"
    provider = "gemini"
    apis = ("gemini",)

    def __init__(self, key: str) -> None:
        self._key = key

    def prepare(self, request: OutgoingRequest) -> None:
        request.headers["x-goog-api-key"] = self._key

    def __repr__(self) -> str:
        return "GeminiKeyAuth(<redacted>)"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``modelwire.native.gemini``, generated from the schema as ``nox -s codegen`` would."""
    out = tmp_path_factory.mktemp("generated")
    schemas = tmp_path_factory.mktemp("schemas")
    (schemas / "gemini.yaml").write_bytes((EXAMPLE / "gemini.yaml").read_bytes())
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "codegen/generate.py"),
            "--schemas",
            str(schemas),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out / "modelwire" / "native"


@pytest.fixture
def gemini(generated: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    monkeypatch.setattr(native, "__path__", [*native.__path__, str(generated)])
    from tests.guide.gemini.emulated import API as EMULATED
    from tests.guide.gemini.wire import GEMINI

    # The two registrations (in-tree: one entry in each table).
    register_wire_api(GEMINI)
    monkeypatch.setattr(
        modelwire.testing.apis, "EMULATED_APIS", (*modelwire.testing.apis.EMULATED_APIS, EMULATED)
    )
    try:
        with FakeServer() as server:
            mw.register_provider(
                mw.Service(
                    name="gemini",
                    paths={"gemini": "/v1beta"},
                    default_base_url="https://generativelanguage.googleapis.com",
                    auth=mw.api_key_auth(GeminiKeyAuth),
                    api_key_env="GEMINI_API_KEY",
                    base_url_env=("GEMINI_BASE_URL",),
                    default_models={"gemini": "gemini-2.5-flash"},
                    description="a Gemini-like API (the guide's example)",
                )
            )
            monkeypatch.setenv("GEMINI_BASE_URL", server.url)
            monkeypatch.setenv("GEMINI_API_KEY", "sk-gemini-test")
            yield server
    finally:
        mw.unregister_provider("gemini")
        unregister_wire_api("gemini")


def test_the_new_api_streams_text_with_the_model_in_the_url_path(gemini: FakeServer) -> None:
    with mw.Client("gemini") as client:
        assert client.api == "gemini"
        with client.stream(input="hello gemini", instructions="be brief") as stream:
            events = list(stream)
            response = stream.response

    assert response.text == "You said: hello gemini"
    assert response.model == "gemini-2.5-flash"  # the emulator read it from the path
    assert response.complete
    assert response.stop_reason == "end_turn"
    assert response.usage.input_tokens is not None
    assert [e for e in events if isinstance(e, mw.TextDelta)]
    assert isinstance(events[-1], mw.Completed)
    [request] = gemini.requests_to("gemini")  # type: ignore[arg-type]
    assert request.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert request.headers["x-goog-api-key"] == "sk-gemini-test"
    assert request.json is not None
    assert "model" not in request.json
    assert request.json["systemInstruction"] == {"role": "user", "parts": [{"text": "be brief"}]}


def test_the_new_api_decodes_offline_and_refuses_a_bad_body_before_sending(
    gemini: FakeServer,
) -> None:
    body = (
        b'data: {"object":"generate_content.chunk","responseId":"r1","candidates":'
        b'[{"content":{"parts":[{"text":"hi"}]},"finishReason":"STOP"}]}\n\n'
    )
    response = mw.collect(mw.decode("gemini", [body]))  # type: ignore[arg-type]
    assert (response.text, response.stop_reason, response.id) == ("hi", "end_turn", "r1")

    with mw.Client("gemini") as client, pytest.raises(mw.ConfigurationError, match="nothing"):
        client.create(input="hi", temperature="hot")  # type: ignore[typeddict-item]
    assert gemini.requests_to("gemini") == []  # type: ignore[arg-type]


def test_the_new_api_gets_retries_and_typed_errors_from_the_shared_flow(
    gemini: FakeServer,
) -> None:
    from modelwire.testing import Fault

    gemini.queue("gemini", Fault.status(503))  # type: ignore[arg-type]
    with mw.Client("gemini") as client:
        assert client.create(input="again").text == "You said: again"
    assert len(gemini.requests_to("gemini")) == 2  # type: ignore[arg-type]

    with (
        mw.Client("gemini", api_key="sk-ant-not-a-gemini-key") as client,
        pytest.raises(mw.AuthenticationError, match="API key not valid"),
    ):
        client.create(input="hi")


def test_the_new_api_took_only_its_own_files() -> None:
    """The count the guide quotes: schema, wire API package, emulator module, test."""
    assert NEW_API_FILES == [
        "tests/guide/gemini/__init__.py",
        "tests/guide/gemini/emulated.py",
        "tests/guide/gemini/gemini.yaml",
        "tests/guide/gemini/wire/__init__.py",
        "tests/guide/gemini/wire/errors.py",
        "tests/guide/gemini/wire/request.py",
        "tests/guide/gemini/wire/stream.py",
        "tests/guide/test_new_wire_api.py",
    ]
