"""``GET /v1/models`` and ``GET /v1/models/{model_id}``, in the shape of the service asked.

OpenAI and Anthropic serve the same path; the caller's credential tells them apart (Anthropic's
``x-api-key`` / ``anthropic-version`` headers or an ``sk-ant-`` key). The catalogues are small and
fixed; like the model calls, a retrieve takes any model id.

- OpenAI: ``{"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}]}``;
- Anthropic: ``{"data": [{"type": "model", "id", "display_name", "created_at", ...}],
  "has_more", "first_id", "last_id"}``, paged with ``limit``, ``after_id`` and ``before_id``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .errors import anthropic_error, openai_error
from .handlers import BodyTooLarge, ClientGone, Handlers, Refusal
from .headers import service_headers
from .services import authenticate_anthropic, authenticate_openai, is_anthropic_request

#: (id, created) of the OpenAI catalogue.
OPENAI_MODELS = (
    ("gpt-5", 1754425777),
    ("gpt-5-mini", 1754425928),
    ("gpt-5-nano", 1754426384),
    ("gpt-4.1", 1744316542),
    ("gpt-4o", 1715367049),
)
#: (id, display name, created_at) of the Anthropic catalogue, newest first as Anthropic lists.
ANTHROPIC_MODELS = (
    ("claude-opus-4-5", "Claude Opus 4.5", "2025-11-24T00:00:00Z"),
    ("claude-haiku-4-5", "Claude Haiku 4.5", "2025-10-15T00:00:00Z"),
    ("claude-sonnet-4-5", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
)


def openai_model(model_id: str, created: int = 1754425777) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": created, "owned_by": "openai"}


def anthropic_model(
    model_id: str, display_name: str | None = None, created_at: str = "2025-09-29T00:00:00Z"
) -> dict[str, Any]:
    return {
        "type": "model",
        "id": model_id,
        "display_name": display_name or model_id,
        "created_at": created_at,
        "lifecycle": "active",
        "deprecated_at": None,
        "retires_at": None,
        "max_input_tokens": 200_000,
        "max_tokens": 64_000,
    }


def anthropic_page(query: dict[str, str]) -> dict[str, Any]:
    models = [anthropic_model(*entry) for entry in ANTHROPIC_MODELS]
    ids = [model["id"] for model in models]
    after, before = query.get("after_id"), query.get("before_id")
    if after in ids:
        models = models[ids.index(after) + 1 :]
    elif before in ids:
        models = models[: ids.index(before)]
    limit = int(query["limit"]) if query.get("limit", "").isdigit() else 20
    page = models[: max(min(limit, 1000), 1)]
    return {
        "data": page,
        "has_more": len(models) > len(page),
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
    }


class ModelsRoutes(Handlers):
    async def _serve(self, request: Request, model_id: str | None) -> Response:
        anthropic = is_anthropic_request(request.headers)
        ids = self.state.ids
        request_id = ids.anthropic_request() if anthropic else ids.openai_request()
        family = "anthropic" if anthropic else "openai"
        try:
            record = await self.record(request, None)
        except BodyTooLarge as too_large:
            message = "Request exceeds the maximum allowed number of bytes."
            error = (
                anthropic_error("request_too_large", message, request_id)
                if anthropic
                else openai_error(message, code="request_too_large")
            )
            return self.json(too_large.record, 413, error)
        except ClientGone:
            return ClientGone.answer()
        credential = (
            authenticate_anthropic(record.headers, self.state, request_id)
            if anthropic
            else authenticate_openai(record.headers, self.state)
        )
        requests, tokens = self.state.usage(family)
        headers = service_headers(
            family,
            request_id=request_id,
            requests=requests,
            tokens=tokens,
            organization_id=self.state.identity.claude_organization_uuid,
        )
        if isinstance(credential, Refusal):
            return self.json(record, credential.status, credential.body, headers)
        body: dict[str, Any]
        if anthropic:
            known = {entry[0]: entry for entry in ANTHROPIC_MODELS}
            if model_id is None:
                body = anthropic_page(record.query)
            else:
                body = anthropic_model(*known.get(model_id, (model_id,)))
        elif model_id is None:
            body = {"object": "list", "data": [openai_model(*entry) for entry in OPENAI_MODELS]}
        else:
            body = openai_model(model_id, dict(OPENAI_MODELS).get(model_id, 1754425777))
        return self.json(record, 200, body, headers)

    async def list(self, request: Request) -> Response:
        return await self._serve(request, None)

    async def retrieve(self, request: Request) -> Response:
        return await self._serve(request, str(request.path_params["model_id"]))
