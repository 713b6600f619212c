"""modelwire.testing: a real loopback emulator of the three wire APIs and both OAuth servers.

    from modelwire.testing import FakeServer, Script, Fault

    with FakeServer() as server:
        server.queue("messages", Fault.status(529), Script.text("Hello"))
        client = mw.Client(provider="anthropic", api_key="sk-ant-test",
                           base_url=server.base_url("anthropic"))

See docs/testing.md for the whole API.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .auth import Identity
    from .faults import Fault
    from .recording import RecordedRequest, StreamRecord
    from .script import Citation, Script, SearchResult
    from .server import FakeServer, OAuthEndpoints, serve_forever
    from .state import Route

# starlette and uvicorn load only when the server is asked for: name -> module that defines it.
_LAZY = {
    "FakeServer": "server",
    "OAuthEndpoints": "server",
    "serve_forever": "server",
    "Script": "script",
    "Citation": "script",
    "SearchResult": "script",
    "Fault": "faults",
    "RecordedRequest": "recording",
    "StreamRecord": "recording",
    "Identity": "auth",
    "Route": "state",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'modelwire.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "Citation",
    "FakeServer",
    "Fault",
    "Identity",
    "OAuthEndpoints",
    "RecordedRequest",
    "Route",
    "Script",
    "SearchResult",
    "StreamRecord",
    "serve_forever",
]
