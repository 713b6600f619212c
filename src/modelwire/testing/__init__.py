"""modelwire.testing: a real loopback emulator of the three wire APIs and both OAuth servers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import FakeServer


def __getattr__(name: str) -> Any:
    # starlette and uvicorn load only when the server is asked for.
    if name == "FakeServer":
        from .server import FakeServer

        return FakeServer
    raise AttributeError(f"module 'modelwire.testing' has no attribute {name!r}")


__all__ = ["FakeServer"]
