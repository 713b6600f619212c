"""A new wire API joins the emulator as one ``EmulatedApi`` registered in ``EMULATED_APIS``.

The toy API here names its model in the URL path (as Gemini's ``models/{model}:generateContent``
does); once registered, the server routes it, the echo model answers it, scripts and faults
queued under its name apply, and its unknown paths get its 404.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx2
import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from modelwire.testing import FakeServer, Fault, Script, apis
from modelwire.testing.apis.base import Credential, EmulatedApi
from modelwire.testing.echo import RequestView
from modelwire.testing.faults import StreamErrorEffect
from modelwire.testing.handlers import Refusal
from modelwire.testing.rendering import RenderContext, Rendered
from modelwire.testing.script import TextPart
from modelwire.testing.state import ServerState


class ToyPart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


class ToyContent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    parts: list[ToyPart]


class ToyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contents: list[ToyContent]


def toy_error(status: int, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": "INVALID_ARGUMENT"}}


class ToyApi(EmulatedApi):
    name = "toy"
    path = "/v1beta/models/{model}:generateContent"
    request_model = ToyRequest
    error_shape = "openai"

    def claims(self, path: str, headers: Mapping[str, str]) -> bool:
        return path.startswith("/v1beta/")

    def authenticate(
        self, headers: Mapping[str, str], state: ServerState, request_id: str
    ) -> Credential | Refusal:
        key = headers.get("x-goog-api-key")
        if key is None:
            return Refusal(401, toy_error(401, "API key missing"))
        return Credential("toy-key", key)

    def expired(self, credential: Credential, state: ServerState, request_id: str) -> Refusal:
        return Refusal(401, toy_error(401, "API key expired"))

    def bad_json(self, request_id: str) -> Refusal:
        return Refusal(400, toy_error(400, "Invalid JSON payload"))

    def schema_refusal(self, error: ValidationError, body: Any, request_id: str) -> Refusal:
        return Refusal(400, toy_error(400, str(error.errors()[0]["loc"])))

    def view(self, body: Mapping[str, Any], state: ServerState) -> RequestView:
        last = body["contents"][-1]["parts"][-1]["text"]
        return RequestView(last_user_text=last, input_tokens=len(last.split()))

    def render(self, body: Mapping[str, Any], script: Any, ctx: RenderContext) -> Rendered:
        text = "".join(part.text for part in script.parts if isinstance(part, TextPart))
        final = {
            "modelVersion": ctx.path_params["model"],
            "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}}],
        }
        return Rendered([final], final)

    def streaming(self, body: Mapping[str, Any]) -> bool:
        return False

    def failure_events(
        self, rendered: Rendered, sent: list[dict[str, Any]], failure: StreamErrorEffect
    ) -> list[dict[str, Any]]:
        return [toy_error(500, "failed")]

    def failure_status(self, kind: Any) -> int:
        return 503

    def not_found(self, method: str, path: str, request_id: str) -> Any:
        return toy_error(404, f"{path} not found")

    def too_large(self, limit: int, request_id: str) -> Any:
        return toy_error(413, "too large")


@pytest.fixture
def toy_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    # The one registration: the new API's entry in EMULATED_APIS.
    monkeypatch.setattr(apis, "EMULATED_APIS", (*apis.EMULATED_APIS, ToyApi()))
    with FakeServer() as server:
        yield server


URL = "/v1beta/models/toy-1.5-flash:generateContent"
BODY = {"contents": [{"role": "user", "parts": [{"text": "hello toy"}]}]}
KEY = {"x-goog-api-key": "toy-key"}


def test_the_new_api_is_served_with_the_model_from_its_path(
    toy_server: FakeServer, http: httpx2.Client
) -> None:
    response = http.post(toy_server.url + URL, json=BODY, headers=KEY)

    assert response.status_code == 200
    assert response.json() == {
        "modelVersion": "toy-1.5-flash",
        "candidates": [{"content": {"role": "model", "parts": [{"text": "You said: hello toy"}]}}],
    }
    assert toy_server.requests_to("toy")[0].path == URL
    assert "toy" in toy_server.routes


def test_scripts_faults_and_refusals_apply_to_it(
    toy_server: FakeServer, http: httpx2.Client
) -> None:
    toy_server.queue("toy", Fault.status(429), Script.text("scripted"))

    unauthenticated = http.post(toy_server.url + URL, json=BODY)
    limited = http.post(toy_server.url + URL, json=BODY, headers=KEY)
    scripted = http.post(toy_server.url + URL, json=BODY, headers=KEY)
    malformed = http.post(toy_server.url + URL, json={"contents": "x"}, headers=KEY)
    unknown = http.get(toy_server.url + "/v1beta/nothing")

    assert unauthenticated.status_code == 401
    assert limited.status_code == 429
    assert scripted.json()["candidates"][0]["content"]["parts"][0]["text"] == "scripted"
    assert malformed.status_code == 400
    assert unknown.json() == toy_error(404, "/v1beta/nothing not found")
