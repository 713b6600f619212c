"""Putting answers on the wire, faults included: paced SSE frames, JSON, dropped connections.

Each class here is a starlette ``Response`` whose ``__call__`` drives the ASGI ``send`` itself, so
it can pause between frames, notice the client going away, and cut the TCP connection the way a
broken network or an overloaded upstream does (the transport is reached through the
:class:`ConnectionRegistry`, which the server's HTTP protocol fills).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .recording import RecordedRequest, StreamRecord


class ConnectionRegistry:
    """Open client connections by peer address, so a handler can abort its own connection."""

    def __init__(self) -> None:
        self._transports: dict[tuple[str, int], asyncio.Transport] = {}
        self._lock = threading.Lock()

    def add(self, peer: tuple[str, int], transport: asyncio.Transport) -> None:
        with self._lock:
            self._transports[peer] = transport

    def remove(self, peer: tuple[str, int]) -> None:
        with self._lock:
            self._transports.pop(peer, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._transports)

    def abort(self, peer: tuple[str, int] | None, *, reset: bool) -> bool:
        """Drop the connection at once; False when it is already gone.

        ``reset`` sends a TCP RST (SO_LINGER 0) instead of a FIN.
        """
        with self._lock:
            transport = self._transports.get(peer) if peer is not None else None
        if transport is None:
            return False
        if reset:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        return True

    def abort_all(self) -> None:
        with self._lock:
            transports = list(self._transports.values())
        for transport in transports:
            transport.abort()


def _peer(scope: Scope) -> tuple[str, int] | None:
    client = scope.get("client")
    return (str(client[0]), int(client[1])) if client else None


async def _until_disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _pause(seconds: float, disconnected: asyncio.Event) -> bool:
    """Sleep, waking early if the client leaves; True when the client is gone."""
    if seconds > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(disconnected.wait(), seconds)
    return disconnected.is_set()


class AbortConnection(Response):
    """No response at all: the connection is reset before any byte (after ``delay`` seconds)."""

    def __init__(self, connections: ConnectionRegistry, *, delay: float = 0.0) -> None:
        super().__init__()
        self._connections = connections
        self._delay = delay

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._delay:
            await asyncio.sleep(self._delay)
        if self._connections.abort(_peer(scope), reset=True):
            # Return only once the server has seen the connection go, so it never tries to answer.
            await _until_disconnected(receive)


@dataclass(frozen=True)
class Pacing:
    """When frames go out: a pause between frames, one long stall, an abrupt end."""

    drip: float = 0.0
    stall_after: int | None = None
    stall_seconds: float = 0.0
    disconnect_after: int | None = None


class StreamAnswer(Response):
    """A server-sent event stream, frame by frame, recording how it ended."""

    def __init__(
        self,
        frames: Sequence[bytes],
        *,
        headers: dict[str, str],
        pacing: Pacing,
        connections: ConnectionRegistry,
        record: RecordedRequest,
    ) -> None:
        super().__init__(
            status_code=200,
            headers={**headers, "content-type": "text/event-stream; charset=utf-8"},
        )
        # No content-length: the body is chunked, frame by frame.
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self._frames = list(frames)
        self._pacing = pacing
        self._connections = connections
        self.stream_record = StreamRecord(events_planned=len(self._frames))
        record.stream = self.stream_record
        record.status = 200

    async def _drop(self, scope: Scope, disconnected: asyncio.Event) -> None:
        """End the stream abruptly: a FIN in the middle of the chunked body, no last chunk."""
        self.stream_record.dropped_by_server = True
        if self._connections.abort(_peer(scope), reset=False):
            await disconnected.wait()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        stream = self.stream_record
        disconnected = asyncio.Event()

        async def watch() -> None:
            await _until_disconnected(receive)
            disconnected.set()

        watcher = asyncio.create_task(watch())
        pacing = self._pacing
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            for index, frame in enumerate(self._frames):
                if pacing.disconnect_after is not None and index >= pacing.disconnect_after:
                    await self._drop(scope, disconnected)
                    return
                pause = pacing.drip if index else 0.0
                if pacing.stall_after == index:
                    pause += pacing.stall_seconds
                if await _pause(pause, disconnected):
                    stream.client_disconnected = True
                    return
                await send({"type": "http.response.body", "body": frame, "more_body": True})
                stream.events_sent += 1
                # Let a pending disconnect surface before the next frame.
                await asyncio.sleep(0)
                if disconnected.is_set():
                    stream.client_disconnected = index + 1 < len(self._frames)
                    if stream.client_disconnected:
                        return
            if pacing.disconnect_after is not None and pacing.disconnect_after >= len(self._frames):
                await self._drop(scope, disconnected)
                return
            stalls_at_end = pacing.stall_after is not None and pacing.stall_after >= len(
                self._frames
            )
            if stalls_at_end and await _pause(pacing.stall_seconds, disconnected):
                stream.client_disconnected = True
                return
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            stream.completed = True
        finally:
            watcher.cancel()
            stream.mark_finished()


class JSONAnswer(Response):
    """A JSON (or deliberately broken) body, optionally stalled or cut half-way."""

    def __init__(
        self,
        body: bytes,
        *,
        status: int,
        headers: dict[str, str],
        connections: ConnectionRegistry,
        record: RecordedRequest,
        stall: float = 0.0,
        cut_half_way: bool = False,
        media_type: str = "application/json",
    ) -> None:
        super().__init__(content=body, status_code=status, headers=headers, media_type=media_type)
        self._connections = connections
        self._stall = stall
        self._cut = cut_half_way
        record.status = status

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._stall and not self._cut:
            await super().__call__(scope, receive, send)
            return
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        if self._stall:
            await asyncio.sleep(self._stall)
        if self._cut:
            half = self.body[: len(self.body) // 2]
            await send({"type": "http.response.body", "body": half, "more_body": True})
            await asyncio.sleep(0)
            if self._connections.abort(_peer(scope), reset=False):
                await _until_disconnected(receive)
            return
        await send({"type": "http.response.body", "body": self.body, "more_body": False})
