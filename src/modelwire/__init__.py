"""modelwire: one typed client for the OpenAI Responses, OpenAI Chat Completions and Anthropic
Messages wire APIs, behind one common event stream.

    import modelwire as mw
    for event in mw.decode("messages", body_chunks): ...
    response = mw.collect(events)
    response = mw.decode_body("messages", json_body)   # a non-streaming answer

The client, auth and the embedded test server load on first use, so this import stays cheap.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .common.collect import Collector, collect
from .common.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    ContextWindowExceededError,
    EventTooLargeError,
    InternalServerError,
    InvalidJSONError,
    ModelwireError,
    NativeValidationError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    StreamDecodeError,
    StreamInterruptedError,
    UnprocessableEntityError,
)
from .common.events import (
    Completed,
    Created,
    Event,
    HostedToolCall,
    ItemDone,
    NativeOnly,
    RateLimits,
    ReasoningDelta,
    ReasoningPartAdded,
    RefusalDelta,
    TextDelta,
    ToolCallArgumentsDelta,
    ToolCallDone,
    ToolCallStarted,
    Unknown,
    UsageUpdate,
)
from .common.items import (
    ContentPart,
    HostedToolCallItem,
    ImagePart,
    Item,
    Message,
    Reasoning,
    RefusalPart,
    TextPart,
    ToolCall,
    ToolResult,
)
from .common.response import Response, StopReason
from .common.usage import Usage
from .decoding import StreamDecoder, adecode, decode

#: The earlier name of :class:`HostedToolCallItem`.
HostedToolItem = HostedToolCallItem

# The package spans two roots in a source checkout: hand-written code in src/ and generated models
# in generated/ (a wheel merges them). This is pkgutil.extend_path without pkgutil's import cost.
__path__ = [
    *__path__,
    *(
        candidate
        for entry in sys.path
        if isinstance(entry, str)
        and (candidate := os.path.join(entry or os.curdir, __name__)) not in __path__
        and os.path.isfile(os.path.join(candidate, "native", "__init__.py"))
    ),
]

if TYPE_CHECKING:
    from . import auth, native, testing
    from .apis import WireApi, register_wire_api, unregister_wire_api
    from .apis.chat.request import ChatOptions
    from .apis.messages.request import MessagesOptions
    from .apis.responses.request import ResponsesOptions
    from .bodies import BodyDecodeError, BodyTooLargeError, decode_body
    from .client import AsyncClient, AsyncStream, CallArgs, Client, ClientOptions, Stream, Timeouts
    from .common.tools import Tool
    from .services import (
        ProviderSpec,
        Service,
        api_key_auth,
        register_provider,
        sign_in_auth,
        unregister_provider,
    )

# Loaded on first access: name -> module that defines it.
_LAZY: dict[str, str] = {
    "native": "modelwire.native",
    "testing": "modelwire.testing",
    "auth": "modelwire.auth",
    "Client": "modelwire.client",
    "AsyncClient": "modelwire.client",
    "Stream": "modelwire.client",
    "AsyncStream": "modelwire.client",
    "Timeouts": "modelwire.client",
    "CallArgs": "modelwire.client",
    "ClientOptions": "modelwire.client",
    "WireApi": "modelwire.apis",
    "register_wire_api": "modelwire.apis",
    "unregister_wire_api": "modelwire.apis",
    "Tool": "modelwire.common.tools",
    "ResponsesOptions": "modelwire.apis.responses.request",
    "ChatOptions": "modelwire.apis.chat.request",
    "MessagesOptions": "modelwire.apis.messages.request",
    "decode_body": "modelwire.bodies",
    "BodyDecodeError": "modelwire.bodies",
    "BodyTooLargeError": "modelwire.bodies",
    "ProviderSpec": "modelwire.services",
    "Service": "modelwire.services",
    "api_key_auth": "modelwire.services",
    "sign_in_auth": "modelwire.services",
    "register_provider": "modelwire.services",
    "unregister_provider": "modelwire.services",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'modelwire' has no attribute {name!r}")
    loaded = importlib.import_module(module)
    value = loaded if module == f"modelwire.{name}" else getattr(loaded, name)
    globals()[name] = value
    return value


__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "BodyDecodeError",
    "BodyTooLargeError",
    "CallArgs",
    "ChatOptions",
    "Client",
    "ClientOptions",
    "Collector",
    "Completed",
    "ConfigurationError",
    "ConflictError",
    "ContentPart",
    "ContextWindowExceededError",
    "Created",
    "Event",
    "EventTooLargeError",
    "HostedToolCall",
    "HostedToolCallItem",
    "HostedToolItem",
    "ImagePart",
    "InternalServerError",
    "InvalidJSONError",
    "Item",
    "ItemDone",
    "Message",
    "MessagesOptions",
    "ModelwireError",
    "NativeOnly",
    "NativeValidationError",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "ProviderSpec",
    "RateLimitError",
    "RateLimits",
    "Reasoning",
    "ReasoningDelta",
    "ReasoningPartAdded",
    "RefusalDelta",
    "RefusalPart",
    "RequestTooLargeError",
    "Response",
    "ResponsesOptions",
    "Service",
    "StopReason",
    "Stream",
    "StreamDecodeError",
    "StreamDecoder",
    "StreamInterruptedError",
    "TextDelta",
    "TextPart",
    "Timeouts",
    "Tool",
    "ToolCall",
    "ToolCallArgumentsDelta",
    "ToolCallDone",
    "ToolCallStarted",
    "ToolResult",
    "Unknown",
    "UnprocessableEntityError",
    "Usage",
    "UsageUpdate",
    "WireApi",
    "__version__",
    "adecode",
    "api_key_auth",
    "auth",
    "collect",
    "decode",
    "decode_body",
    "native",
    "register_provider",
    "register_wire_api",
    "sign_in_auth",
    "testing",
    "unregister_provider",
    "unregister_wire_api",
]
