"""The ChatGPT subscription backend (``POST /backend-api/codex/responses``): Responses-shaped.

It renders, reads and replays exactly as Responses does; what differs is the credential (a
ChatGPT sign-in token and the ``chatgpt-account-id`` of that token), its rules and its error bodies
(``{"detail": ...}``, OpenAI-style bodies for token problems, plan-usage 429s).

The rules, in the backend's words: ``stream: true`` and ``store: false`` required,
``instructions`` required (an empty string will do), ``max_output_tokens``/``temperature``/
``top_p`` unsupported, no ``system`` messages in the input ("System messages are not allowed";
``developer`` messages are taken, as Codex and pi send them), and — nothing being stored — a
reasoning item comes back only with its ``encrypted_content`` ("Item with id ... not found.
Items are not persisted when `store` is set to false ..."). Its models reason whether asked to or
not (unless ``reasoning.effort`` is ``"none"``), so every answer starts with a reasoning item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..echo import RequestView
from ..errors import detail_error, openai_error
from ..handlers import Refusal
from ..rendering import Rendered
from ..services import bearer
from .base import Credential, Endpoint
from .responses import ResponsesApi, check_replay, check_rules, replay_refusal, view_request

if TYPE_CHECKING:
    from ..state import ServerState

_CHATGPT_EXPIRED = "Provided authentication token is expired. Please try signing in again."
#: The backend's refusal of a system message in the input (as LiteLLM's ChatGPT provider reports
#: it: ``{"detail":"System messages are not allowed"}``, HTTP 400).
SYSTEM_MESSAGES_REFUSED = "System messages are not allowed"
UNSUPPORTED_FIELDS = ("max_output_tokens", "temperature", "top_p")


class ChatGptBackend(ResponsesApi):
    name = "chatgpt"
    path = "/backend-api/codex/responses"
    error_shape = "chatgpt"
    family = "chatgpt"

    def endpoints(self) -> Sequence[Endpoint]:
        return ()  # nothing is stored, so there is nothing to retrieve

    def claims(self, path: str, headers: Mapping[str, str]) -> bool:
        return path.startswith("/backend-api/")

    def authenticate(
        self, headers: Mapping[str, str], state: ServerState, request_id: str
    ) -> Credential | Refusal:
        token = bearer(headers)
        if token is None:
            return Refusal(401, detail_error("Unauthorized"))
        check = state.tokens.check_access("chatgpt", token)
        if check.status == "expired":
            return Refusal(401, openai_error(_CHATGPT_EXPIRED, type_=None, code="token_expired"))
        if check.status == "revoked":
            return Refusal(
                401,
                openai_error(
                    "Your authentication token has been invalidated. Please try signing in again.",
                    type_=None,
                    code="token_invalidated",
                ),
            )
        if check.status == "unknown":
            return Refusal(
                401,
                openai_error(
                    "Could not parse your authentication token. Please try signing in again.",
                    code="invalid_jwt",
                ),
            )
        if headers.get("chatgpt-account-id") != check.account_id:
            return Refusal(
                403,
                detail_error(
                    "The chatgpt-account-id header is missing or does not match the account of "
                    "the access token."
                ),
            )
        return Credential("chatgpt-oauth", token)

    def expired(self, credential: Credential, state: ServerState, request_id: str) -> Refusal:
        state.tokens.expire_access_token("chatgpt", credential.secret)
        return Refusal(401, openai_error(_CHATGPT_EXPIRED, type_=None, code="token_expired"))

    def check(
        self,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        credential: Credential,
        state: ServerState,
        request_id: str,
    ) -> Refusal | None:
        if body.get("stream") is not True:
            return Refusal(400, detail_error("Stream must be set to true"))
        if body.get("store") is not False:
            return Refusal(400, detail_error("Store must be set to false"))
        # The backend refuses a request without instructions but takes an empty string.
        if not isinstance(body.get("instructions"), str):
            return Refusal(400, detail_error("Instructions are required"))
        for unsupported in UNSUPPORTED_FIELDS:
            if unsupported in body:
                return Refusal(400, detail_error(f"Unsupported parameter: {unsupported}"))
        raw_input = body.get("input")
        for item in raw_input if isinstance(raw_input, list) else []:
            if isinstance(item, Mapping) and item.get("role") == "system":
                return Refusal(400, detail_error(SYSTEM_MESSAGES_REFUSED))
        # Nothing is ever stored here (whatever the Responses API of the same server kept), so a
        # reasoning item without its encrypted content names an item the backend does not have.
        replay = check_replay(body, state.signer, (), set())
        if replay is not None:
            return replay_refusal(replay)
        return check_rules(body, state)

    def view(self, body: Mapping[str, Any], state: ServerState) -> RequestView:
        view = view_request(body)
        reasoning = body.get("reasoning")
        effort = reasoning.get("effort") if isinstance(reasoning, Mapping) else None
        view.reasoning = effort != "none"  # the backend's models reason by default
        return view

    def answered(self, body: Mapping[str, Any], rendered: Rendered, state: ServerState) -> None:
        """Nothing is stored: the backend takes ``store: false`` only."""

    def not_found(self, method: str, path: str, request_id: str) -> Any:
        return detail_error("Not Found")

    def too_large(self, limit: int, request_id: str) -> Any:
        return detail_error("Request body too large")


API = ChatGptBackend()
