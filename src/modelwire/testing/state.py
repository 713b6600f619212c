"""The mutable state of one server, shared by its HTTP thread and the test thread (under a lock)."""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeAlias

from .auth import ApiKeys, Identity, TokenStore
from .faults import Fault
from .ids import IdFactory
from .recording import RecordedRequest
from .script import Script
from .signing import Signer

#: Where answers and faults can be queued: the name of an emulated API (``"responses"``,
#: ``"chat"``, ``"messages"``, ``"chatgpt"``: the ``EmulatedApi.name`` of each API in
#: ``apis.EMULATED_APIS``, the one list of them) or of a token endpoint. ``FakeServer.routes``
#: lists them; an unknown name is refused when the answer is queued.
Route: TypeAlias = str
TOKEN_ROUTES: tuple[str, ...] = ("chatgpt-token", "claude-token")

#: The default cap on a request body: far above any real request (the services cap theirs at
#: tens of megabytes), low enough that a runaway body is refused instead of kept in memory.
DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024

#: One queued answer: a script (what to say, maybe with delivery faults) or a fault on its own
#: (the default echo answer, delivered with that fault, or no answer at all for a status fault).
Answer: TypeAlias = Script | Fault


class ServerState:
    def __init__(
        self,
        *,
        api_keys: Collection[str] | None,
        identity: Identity,
        chatgpt_client_id: str,
        claude_client_id: str,
        chatgpt_access_ttl: float,
        claude_access_ttl: float,
        routes: Collection[str],
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        refuse_claude_subscription: bool = False,
    ) -> None:
        self.lock = threading.Lock()
        self.refuse_claude_subscription = refuse_claude_subscription
        self.routes = tuple(routes)
        self.max_request_bytes = max_request_bytes
        self.ids = IdFactory()
        self.signer = Signer()
        self.keys = ApiKeys(api_keys)
        self.identity = identity
        self.chatgpt_client_id = chatgpt_client_id
        self.claude_client_id = claude_client_id
        self.tokens = TokenStore(
            identity,
            chatgpt_access_ttl=chatgpt_access_ttl,
            claude_access_ttl=claude_access_ttl,
        )
        self._queues: dict[str, deque[Answer]] = {route: deque() for route in self.routes}
        self._always: dict[str, Answer] = {}
        self.requests: list[RecordedRequest] = []
        self.token_calls: Counter[tuple[str, str]] = Counter()
        # Responses kept for previous_response_id: id -> the items of the conversation so far.
        self.stored_responses: dict[str, list[Mapping[str, Any]]] = {}
        self.stored_reasoning: set[str] = set()
        # Stored Responses objects and their input items (retrieve, input_items), by id.
        self.response_objects: dict[str, dict[str, Any]] = {}
        self.response_inputs: dict[str, list[dict[str, Any]]] = {}
        # Messages threads (the message-threads beta): id of the last reply -> the conversation.
        self.message_threads: dict[str, dict[str, Any]] = {}
        self.usage_by_family: Counter[str] = Counter()  # requests per API family
        self.tokens_by_family: Counter[str] = Counter()

    # -- answers ---------------------------------------------------------------------------------

    def check_route(self, route: str) -> None:
        if route not in self._queues:
            raise ValueError(f"unknown route {route!r}: expected one of {', '.join(self.routes)}")

    def queue(self, route: str, answers: tuple[Answer, ...]) -> None:
        self.check_route(route)
        for answer in answers:
            if not isinstance(answer, Script | Fault):
                raise TypeError(f"queue() takes Script or Fault answers, not {answer!r}")
        with self.lock:
            self._queues[route].extend(answers)

    def always(self, route: str, answer: Answer | None) -> None:
        self.check_route(route)
        with self.lock:
            if answer is None:
                self._always.pop(route, None)
            else:
                self._always[route] = answer

    def pending(self, route: str) -> int:
        self.check_route(route)
        with self.lock:
            return len(self._queues[route])

    def take(self, route: str, wanted: Callable[[Answer], bool] | None = None) -> Answer | None:
        """The next answer for ``route`` (queued first, then the sticky one), if ``wanted``."""
        with self.lock:
            queue = self._queues[route]
            head = queue[0] if queue else self._always.get(route)
            if head is None or (wanted is not None and not wanted(head)):
                return None
            if queue:
                queue.popleft()
            return head

    def record(self, request: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(request)

    def count_token_call(self, provider: str, grant_type: str) -> None:
        with self.lock:
            self.token_calls[(provider, grant_type)] += 1

    def count_request(self, family: str) -> None:
        """One more request against an API family's rate limits."""
        with self.lock:
            self.usage_by_family[family] += 1

    def add_tokens(self, family: str, tokens: int) -> None:
        with self.lock:
            self.tokens_by_family[family] += tokens

    def usage(self, family: str) -> tuple[int, int]:
        """Requests and tokens used so far by an API family."""
        with self.lock:
            return self.usage_by_family[family], self.tokens_by_family[family]

    def reset(self) -> None:
        """Forget queued answers, recordings, counters, stored responses and issued tokens."""
        with self.lock:
            for queue in self._queues.values():
                queue.clear()
            self._always.clear()
            self.requests.clear()
            self.token_calls.clear()
            self.stored_responses.clear()
            self.stored_reasoning.clear()
            self.response_objects.clear()
            self.response_inputs.clear()
            self.message_threads.clear()
            self.usage_by_family.clear()
            self.tokens_by_family.clear()
        self.tokens.reset()
