"""What every stream of events a caller holds shares, sync and async: iterating, the ``with``
block that closes it, ``close()`` and ``until_done()``. A call's :class:`~modelwire.Stream` and a
tool loop's :class:`~modelwire.agent.RunStream` (and their async twins) differ only in the
generator they drive and in what they hold at the end."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from types import TracebackType
from typing import Generic, Self, TypeVar

_E = TypeVar("_E")
_R = TypeVar("_R")


class EventStream(Generic[_E, _R]):
    """Iterate for events; leaving the ``with`` block or ``close()`` stops the generator (and so
    closes what it holds) at once; ``until_done()`` reads to the end and returns the outcome."""

    _events: Generator[_E, None, None]

    def __iter__(self) -> Iterator[_E]:
        return self

    def __next__(self) -> _E:
        return next(self._events)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._events.close()

    def until_done(self) -> _R:
        """Consume the rest of the stream and return its outcome."""
        for _ in self:
            pass
        return self._outcome()

    def _outcome(self) -> _R:
        raise NotImplementedError


class AsyncEventStream(Generic[_E, _R]):
    """The async twin of :class:`EventStream`: ``async for``, ``async with``, ``await close()``,
    ``await until_done()``."""

    _events: AsyncGenerator[_E, None]

    def __aiter__(self) -> AsyncIterator[_E]:
        return self

    async def __anext__(self) -> _E:
        return await self._events.__anext__()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._events.aclose()

    async def until_done(self) -> _R:
        """Consume the rest of the stream and return its outcome."""
        async for _ in self:
            pass
        return self._outcome()

    def _outcome(self) -> _R:
        raise NotImplementedError
