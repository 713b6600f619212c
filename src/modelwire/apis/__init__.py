"""Wire APIs side by side: one package per API, each one :class:`~.base.WireApi` built from the
same parts (``request.py`` builds the native request body, ``stream.py`` maps stream events into
common events, ``errors.py`` maps error bodies into the error hierarchy).

:data:`WIRE_APIS` is the one table of them; the decoder, the client and the CLI read it. The
built-in entries match the generated ``modelwire.native.APIS`` (a test checks it).
:func:`register_wire_api` adds one at runtime (see docs/adding-a-provider.md).
"""

from __future__ import annotations

from ..common.errors import ConfigurationError
from .base import ApiName, OutgoingRequest, StreamMapper, WireApi
from .chat import CHAT
from .messages import MESSAGES
from .responses import RESPONSES

#: Every wire API by name, built-ins first.
WIRE_APIS: dict[str, WireApi] = {api.name: api for api in (RESPONSES, CHAT, MESSAGES)}


def wire_api(name: str) -> WireApi:
    """The wire API called ``name``; ConfigurationError naming the known ones otherwise."""
    api = WIRE_APIS.get(name) if isinstance(name, str) else None
    if api is None:
        raise ConfigurationError(f"unknown api {name!r}: expected one of {', '.join(WIRE_APIS)}")
    return api


def register_wire_api(api: WireApi, *, replace: bool = False) -> None:
    """Make ``api`` known by its name to ``decode``, the client and the services."""
    if api.name in WIRE_APIS and not replace:
        raise ConfigurationError(f"wire API {api.name!r} is already registered")
    WIRE_APIS[api.name] = api


def unregister_wire_api(name: str) -> WireApi:
    """Remove a wire API added with :func:`register_wire_api`; returns it."""
    if name in (RESPONSES.name, CHAT.name, MESSAGES.name):
        raise ConfigurationError(f"the built-in wire API {name!r} cannot be removed")
    api = WIRE_APIS.pop(name, None)
    if api is None:
        raise ConfigurationError(f"wire API {name!r} is not registered")
    return api


__all__ = [
    "WIRE_APIS",
    "ApiName",
    "OutgoingRequest",
    "StreamMapper",
    "WireApi",
    "register_wire_api",
    "unregister_wire_api",
    "wire_api",
]
