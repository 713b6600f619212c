"""The emulator's routing table: three wire APIs, the ChatGPT backend, two OAuth servers."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import ApiRoutes
from .delivery import ConnectionRegistry
from .errors import anthropic_error, openai_error
from .handlers import Handlers
from .oauth import OAuthRoutes
from .state import ServerState

_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class _NotFound(Handlers):
    async def handle(self, request: Request) -> Response:
        """Anything else: the 404 the API under that path would send (OpenAI's names the URL)."""
        record = await self.record(request, None)
        if record.path.startswith("/v1/messages"):
            body = anthropic_error(
                "not_found_error", "Not Found", self.state.ids.anthropic_request()
            )
        else:
            body = openai_error(f"Invalid URL ({record.method} {record.path})")
        return self.json(record, 404, body)


def create_app(state: ServerState, connections: ConnectionRegistry) -> Starlette:
    api = ApiRoutes(state, connections)
    oauth = OAuthRoutes(state, connections)
    return Starlette(
        routes=[
            Route("/v1/responses", api.responses, methods=["POST"]),
            Route("/v1/chat/completions", api.chat, methods=["POST"]),
            Route("/v1/messages", api.messages, methods=["POST"]),
            Route("/backend-api/codex/responses", api.chatgpt, methods=["POST"]),
            Route("/oauth/authorize", oauth.chatgpt_authorize, methods=["GET"]),
            Route("/oauth/token", oauth.chatgpt_token, methods=["POST"]),
            Route("/claude/oauth/authorize", oauth.claude_authorize, methods=["GET"]),
            Route("/v1/oauth/token", oauth.claude_token, methods=["POST"]),
            Route("/{path:path}", _NotFound(state, connections).handle, methods=_ALL_METHODS),
        ]
    )
