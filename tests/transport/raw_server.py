"""A loopback HTTP/1.1 server that answers with scripted raw bytes: what a real API could send
and the emulator never would (an ``x-should-retry`` header on a 400, absurd rate-limit headers, a
body that never ends a line).

Each request is recorded (method, path, headers, body) and answered with the next scripted
response, then the connection is closed; a request beyond the script gets a 500.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType

from modelwire.wire.json import loads

#: A scripted answer: the whole response as bytes, or a function that writes it to the socket
#: (to stream, stall or drop mid-body).
Answer = bytes | Callable[[socket.socket], None]


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return loads(self.body)


def http_response(
    status: int,
    body: bytes = b"",
    headers: Iterable[tuple[str, str]] = (),
    *,
    reason: str = "X",
    content_type: str = "application/json",
) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}", f"content-type: {content_type}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines += [f"content-length: {len(body)}", "connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def sse_response(body: bytes, headers: Iterable[tuple[str, str]] = ()) -> bytes:
    return http_response(200, body, headers, reason="OK", content_type="text/event-stream")


def streamed(head_headers: Iterable[tuple[str, str]], chunks: Iterable[bytes]) -> Answer:
    """A 200 event stream without a length, written chunk by chunk until the client hangs up."""

    def write(connection: socket.socket) -> None:
        head = ["HTTP/1.1 200 OK", "content-type: text/event-stream", "connection: close"]
        head += [f"{name}: {value}" for name, value in head_headers]
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        for chunk in chunks:
            connection.sendall(chunk)

    return write


#: The smallest complete Chat Completions stream: one text delta, a stop, ``[DONE]``.
CHAT_HELLO = (
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"role":"assistant","content":"hello"},'
    b'"finish_reason":null}]}\n\n'
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
    b"data: [DONE]\n\n"
)


@dataclass
class RawServer:
    answers: list[Answer]
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _address(self) -> tuple[str, int]:
        host, port = self._listener.getsockname()
        return host, port

    @property
    def url(self) -> str:
        host, port = self._address()
        return f"http://{host}:{port}"

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closed.set()
        # accept() does not return when another thread closes the socket: wake it with a
        # connection of our own, then close.
        with contextlib.suppress(OSError), socket.create_connection(self._address(), timeout=5):
            pass
        self._thread.join(timeout=10)
        self._listener.close()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            if self._closed.is_set():
                connection.close()
                return
            # OSError: the client hung up, expected when an answer is cut short.
            with connection, contextlib.suppress(OSError):
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        connection.settimeout(10)
        reader = _Reader(connection)
        head = reader.until(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.exactly(int(headers.get("content-length", "0")))
        self.requests.append(RecordedRequest(method, path, headers, body))
        answer = self.answers.pop(0) if self.answers else http_response(500, b"{}")
        if callable(answer):
            answer(connection)
        else:
            connection.sendall(answer)
        connection.shutdown(socket.SHUT_WR)


class _Reader:
    def __init__(self, connection: socket.socket) -> None:
        self._connection = connection
        self._buffer = b""

    def _more(self) -> None:
        data = self._connection.recv(65536)
        if not data:
            raise OSError("the client closed the connection")
        self._buffer += data

    def until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            self._more()
        head, _, self._buffer = self._buffer.partition(marker)
        return head

    def exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._more()
        body, self._buffer = self._buffer[:size], self._buffer[size:]
        return body


def serving(answers: list[Answer]) -> Iterator[RawServer]:
    with RawServer(list(answers)) as server:
        yield server
