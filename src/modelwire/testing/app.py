"""The emulator's routing table: every emulated API's routes, the model lists, both OAuth
servers, and a 404."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from . import apis
from .apis import EmulatedApi
from .delivery import ConnectionRegistry
from .errors import oauth_error
from .handlers import BodyTooLarge, ClientGone, Handlers
from .models import ModelsRoutes
from .oauth import OAuthRoutes
from .serving import ApiServer
from .state import ServerState

_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

Handler = Callable[[Request], Awaitable[Response]]


class _NotFound(Handlers):
    def __init__(
        self, state: ServerState, connections: ConnectionRegistry, apis: Sequence[EmulatedApi]
    ) -> None:
        super().__init__(state, connections)
        self.apis = apis

    async def handle(self, request: Request) -> Response:
        """Anything else: the 404 of the API the path (or the caller's headers) belongs to;
        OpenAI's ("Invalid URL (GET /v1/...)") when none claims it."""
        api = next(
            (api for api in self.apis if api.claims(request.url.path, request.headers)),
            self.apis[0],
        )
        request_id = api.request_id(self.state.ids)
        try:
            record = await self.record(request, None)
        except BodyTooLarge as too_large:
            return self.json(too_large.record, 413, api.too_large(too_large.limit, request_id))
        except ClientGone:
            return ClientGone.answer()
        return self.json(record, 404, api.not_found(record.method, record.path, request_id))


def _quiet(handler: Handler) -> Handler:
    """An OAuth handler whose request may be too large, or whose client may hang up mid-body."""

    async def handle(request: Request) -> Response:
        try:
            return await handler(request)
        except BodyTooLarge as too_large:
            too_large.record.status = 413
            body = oauth_error("invalid_request", "Request body too large")
            return JSONResponse(body, status_code=413)
        except ClientGone:
            return ClientGone.answer()

    return handle


def create_app(state: ServerState, connections: ConnectionRegistry) -> Starlette:
    routes: list[BaseRoute] = []
    for api in apis.EMULATED_APIS:
        server = ApiServer(state, connections, api)
        routes.append(Route(api.path, server.create, methods=["POST"]))
        routes.extend(
            Route(endpoint.path, server.serve(endpoint), methods=[endpoint.method])
            for endpoint in api.endpoints()
        )
    models = ModelsRoutes(state, connections)
    routes += [
        Route("/v1/models", models.list, methods=["GET"]),
        Route("/v1/models/{model_id:path}", models.retrieve, methods=["GET"]),
    ]
    oauth = OAuthRoutes(state, connections)
    routes += [
        Route("/oauth/authorize", _quiet(oauth.chatgpt_authorize), methods=["GET"]),
        Route("/oauth/token", _quiet(oauth.chatgpt_token), methods=["POST"]),
        Route("/claude/oauth/authorize", _quiet(oauth.claude_authorize), methods=["GET"]),
        Route("/v1/oauth/token", _quiet(oauth.claude_token), methods=["POST"]),
    ]
    not_found = _NotFound(state, connections, apis.EMULATED_APIS)
    routes.append(Route("/{path:path}", not_found.handle, methods=_ALL_METHODS))
    return Starlette(routes=routes)
