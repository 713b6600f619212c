"""What an emulated wire API is made of: one :class:`EmulatedApi` per API, registered once.

Each API's module (``responses``, ``chat``, ``messages``, ``chatgpt``) subclasses
:class:`EmulatedApi` and fills in its parts; the request pipeline (``modelwire.testing.serving``)
runs every API through the same steps, so an API holds only what is its own:

- where it lives: ``name`` (the route name of ``server.queue``), ``path`` (its model call) and
  :meth:`endpoints` (extra endpoints: retrieve, count tokens, ...);
- who may call it: :meth:`authenticate`, :meth:`expired` (and whose rate-limit headers it sends);
- what it accepts: ``request_model`` (the generated request model), :meth:`schema_refusal` (its
  400 for a body the model refuses), :meth:`check` (its rules and replay checks);
- what it answers: :meth:`view` (the request as the echo model reads it), :meth:`render` (a
  script as its stream payloads and final object), :meth:`frame`, :meth:`failure_events`;
- how it refuses: its error bodies (:meth:`status_body`, :meth:`not_found`, :meth:`too_large`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from ..echo import RequestView
from ..errors import ErrorShape, status_body
from ..faults import StreamErrorEffect, StreamErrorKind
from ..handlers import Refusal
from ..rendering import RenderContext, Rendered, frame_event
from ..script import Script

if TYPE_CHECKING:
    from ..ids import IdFactory
    from ..recording import RecordedRequest
    from ..state import ServerState


@dataclass(frozen=True)
class Credential:
    """Who is calling: ``kind`` names the credential (``"openai-key"``, ``"anthropic-key"``,
    ``"chatgpt-oauth"``, ``"claude-oauth"``, or a new API's own), ``secret`` is its value."""

    kind: str
    secret: str


@dataclass(frozen=True)
class ReplayError:
    """A refused conversation: the HTTP status, the message, and (OpenAI) the param and code."""

    message: str
    status: int = 400
    param: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class Call:
    """One authenticated request to an extra endpoint (retrieve, count tokens, list models)."""

    state: ServerState
    record: RecordedRequest
    credential: Credential
    request_id: str
    path_params: Mapping[str, str] = field(default_factory=dict)


#: An extra endpoint's answer: the status and the JSON body.
Reply = tuple[int, Any]


@dataclass(frozen=True)
class Endpoint:
    """An endpoint of an API beside its model call. ``path`` may hold starlette parameters
    (``/v1/responses/{response_id}``), passed in :attr:`Call.path_params`."""

    path: str
    method: str
    handle: Callable[[Call], Reply]


class EmulatedApi(ABC):
    """One wire API as the emulator serves it. Subclass it in the API's module; register the
    instance in ``modelwire.testing.apis.EMULATED_APIS``."""

    #: The route name: what ``server.queue(...)`` and ``RecordedRequest.route`` call it.
    name: str
    #: The path of the model call (``POST``).
    path: str
    #: The generated request model the body is validated against.
    request_model: type[BaseModel]
    #: The error bodies of the service behind it (see ``modelwire.testing.errors``).
    error_shape: ErrorShape
    #: Whose rate-limit headers go on its answers (``"openai"``, ``"anthropic"``, ``"chatgpt"``).
    family: str = "openai"
    #: An event whose ``data:`` is cut short (``Fault.non_json``), named as the API names events.
    non_json_event: bytes = b'event: message\ndata: {"type": "trunc\n\n'

    # -- where it lives ----------------------------------------------------------------------------

    def endpoints(self) -> Sequence[Endpoint]:
        """Endpoints beside the model call (none by default)."""
        return ()

    def claims(self, path: str, headers: Mapping[str, str]) -> bool:
        """Whether an unknown path belongs to this API (it then answers the 404)."""
        return path.startswith(self.path)

    # -- who may call it ---------------------------------------------------------------------------

    def request_id(self, ids: IdFactory) -> str:
        return ids.openai_request()

    @abstractmethod
    def authenticate(
        self, headers: Mapping[str, str], state: ServerState, request_id: str
    ) -> Credential | Refusal:
        """The caller's credential, or the service's 401 / 403."""

    def rate_limit_family(self, credential: Credential | Refusal) -> str:
        """Whose rate-limit headers answer this caller (an API may serve several services)."""
        return self.family

    @abstractmethod
    def expired(self, credential: Credential, state: ServerState, request_id: str) -> Refusal:
        """The 401 for a credential that just expired (``Fault.expired_token``)."""

    # -- what it accepts ---------------------------------------------------------------------------

    @abstractmethod
    def bad_json(self, request_id: str) -> Refusal:
        """The 400 for a body that is not JSON."""

    @abstractmethod
    def schema_refusal(self, error: ValidationError, body: Any, request_id: str) -> Refusal:
        """The 400 for a body the generated request model refuses, naming the field."""

    def before_schema(
        self, body: Mapping[str, Any], headers: Mapping[str, str], request_id: str
    ) -> Refusal | None:
        """Checks the service makes before it reads the body (required headers)."""
        return None

    def expand(
        self,
        body: dict[str, Any],
        headers: Mapping[str, str],
        state: ServerState,
        request_id: str,
    ) -> dict[str, Any] | Refusal:
        """The whole request, when it refers to state the server holds (a Messages thread sends
        only the new turn); validation and the answer then see the whole request."""
        return body

    def validate_schema(
        self, body: Any, headers: Mapping[str, str], request_id: str
    ) -> Refusal | None:
        """The body against the generated request model."""
        try:
            self.request_model.model_validate(body)
        except ValidationError as error:
            return self.schema_refusal(error, body, request_id)
        return None

    def check(
        self,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        credential: Credential,
        state: ServerState,
        request_id: str,
    ) -> Refusal | None:
        """The service's rules beyond the schema, and its replay checks."""
        return None

    # -- what it answers ---------------------------------------------------------------------------

    @abstractmethod
    def view(self, body: Mapping[str, Any], state: ServerState) -> RequestView:
        """The request as the echo model reads it (with what the server holds of it)."""

    @abstractmethod
    def render(self, body: Mapping[str, Any], script: Script, ctx: RenderContext) -> Rendered:
        """A script as this API's stream payloads (in order) and its final object."""

    def streaming(self, body: Mapping[str, Any]) -> bool:
        return body.get("stream") is True

    def frame(self, payload: Mapping[str, Any]) -> bytes:
        """One stream payload as it goes on the wire (``event:`` + ``data:`` by default)."""
        return frame_event(payload)

    def end_frames(self) -> list[bytes]:
        """What follows the last event of a complete stream (Chat: ``data: [DONE]``)."""
        return []

    def answered(  # noqa: B027 (a hook: most APIs keep nothing)
        self, body: Mapping[str, Any], rendered: Rendered, state: ServerState
    ) -> None:
        """Called once an answer is rendered (Responses stores it for ``previous_response_id``)."""

    @abstractmethod
    def failure_events(
        self, rendered: Rendered, sent: list[dict[str, Any]], failure: StreamErrorEffect
    ) -> list[dict[str, Any]]:
        """What ends a stream that fails after ``sent`` (``Fault.stream_error``)."""

    @abstractmethod
    def failure_status(self, kind: StreamErrorKind) -> int:
        """The HTTP status a non-streaming request gets instead of an in-stream failure."""

    # -- how it refuses ----------------------------------------------------------------------------

    def status_body(
        self, status: int, request_id: str, message: str | None, state: ServerState, now: float
    ) -> Any:
        """The body of an HTTP error this service chose to return (``Fault.status``)."""
        return status_body(
            self.error_shape,
            status,
            request_id=request_id,
            message=message,
            plan_type=state.identity.chatgpt_plan_type,
            now=now,
        )

    @abstractmethod
    def not_found(self, method: str, path: str, request_id: str) -> Any:
        """The 404 body for an unknown path under this API."""

    @abstractmethod
    def too_large(self, limit: int, request_id: str) -> Any:
        """The 413 body for a request body above the server's limit."""


def text_of_all(value: Any) -> str:
    """Every string inside a JSON value, joined (for the "must mention json" rules)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return " ".join(text_of_all(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(text_of_all(v) for v in value)
    return ""
