"""Hostile bytes through decode and collect: only modelwire errors, bounded memory, no secret.

Items of issue 16 pinned here: 2 (deep JSON and NaN in events and tool arguments, at any size),
5 (a cap on one event or line, checked as bytes arrive), 10 (``.native`` on a malformed payload).
"""

from __future__ import annotations

import itertools
import tracemalloc
import zlib
from collections.abc import Callable, Iterable, Iterator

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelwire as mw
from modelwire.decoding import StreamDecoder
from modelwire.wire.json import BIG_PAYLOAD, MAX_DEPTH
from modelwire.wire.sse import MAX_EVENT_BYTES, SSEDecoder

from .conftest import ARGUMENT_SECRET, assert_no_secret, error_texts
from .streams import APIS, text_stream, tool_stream

MiB = 1024 * 1024
DEEP = "[" * 1000 + "]" * 1000
PADDED_DEEP = '{"a":' * 300 + "1" + "}" * 300 + " " * BIG_PAYLOAD  # large-payload path

BAD_ARGUMENTS = {
    "1000 levels": DEEP,
    "deep and over 64 KiB": PADDED_DEEP,
    "NaN": '{"x": NaN}',
    "Infinity over 64 KiB": '{"x": Infinity}' + " " * BIG_PAYLOAD,
    "1e999": '{"x": 1e999}',
}


def peak_of(run: Callable[[], object]) -> tuple[object, int]:
    """What ``run`` returned (or the modelwire error it raised) and its tracemalloc peak."""
    tracemalloc.start()
    try:
        try:
            result: object = run()
        except mw.ModelwireError as error:
            result = error
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def decode_all(api: str, chunks: Iterable[bytes], **options: int) -> list[mw.Event]:
    return list(mw.decode(api, chunks, **options))  # type: ignore[arg-type]


# ------------------------------------------------------------------- item 2: tool arguments


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("attack", BAD_ARGUMENTS)
def test_hostile_tool_arguments_become_an_arguments_error_never_an_exception(
    api: str, attack: str
) -> None:
    response = mw.collect(decode_all(api, [tool_stream(api, BAD_ARGUMENTS[attack])]))
    [call] = response.tool_calls
    assert call.name == "f"
    assert call.arguments == {}
    assert call.arguments_error is not None
    assert "not valid JSON" in call.arguments_error


@pytest.mark.parametrize("api", APIS)
def test_tool_arguments_at_the_depth_limit_still_parse(api: str) -> None:
    arguments = '{"a":' * (MAX_DEPTH - 1) + "[]" + "}" * (MAX_DEPTH - 1)
    [call] = mw.collect(decode_all(api, [tool_stream(api, arguments)])).tool_calls
    assert call.arguments_error is None
    assert "a" in call.arguments


@pytest.mark.parametrize("api", APIS)
def test_secret_in_bad_tool_arguments_is_not_quoted_in_the_arguments_error(api: str) -> None:
    arguments = '{"key": "' + ARGUMENT_SECRET + '", oops}'
    [call] = mw.collect(decode_all(api, [tool_stream(api, arguments)])).tool_calls
    assert call.arguments_error is not None
    assert_no_secret([call.arguments_error])


# ------------------------------------------------------------------- item 2: event data

BAD_EVENT_DATA = {
    "1000 levels": b'{"type":"x","a":' + DEEP.encode() + b"}",
    "1000 levels over 64 KiB": b'{"type":"x","a":' + DEEP.encode() + b"}" + b" " * BIG_PAYLOAD,
    "100000 levels over 64 KiB": b'{"type":"x","a":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "NaN": b'{"type":"x","a":NaN}',
    "NaN over 64 KiB": b'{"type":"x","a":NaN}' + b" " * BIG_PAYLOAD,
    "-Infinity over 64 KiB": b'{"type":"x","a":[-Infinity]}' + b" " * BIG_PAYLOAD,
}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("attack", BAD_EVENT_DATA)
def test_hostile_event_data_is_a_stream_decode_error_with_the_partial(
    api: str, attack: str
) -> None:
    good = text_stream(api, "before")
    # The hostile event follows the first event of a good stream.
    first_end = good.index(b"\n\n") + 2
    body = good[:first_end] + b"data: " + BAD_EVENT_DATA[attack] + b"\n\n" + good[first_end:]
    with pytest.raises(mw.StreamDecodeError, match="not JSON") as caught:
        decode_all(api, [body])
    assert caught.value.offset == first_end  # where the event's data line begins
    assert caught.value.partial is not None
    assert not isinstance(caught.value.__cause__, RecursionError)


# ------------------------------------------------------------------- item 5: event size


def endless_line(chunk_size: int = 64 * 1024, total: int = 1000 * MiB) -> Iterator[bytes]:
    """An event whose data line never ends: fresh chunks, as a socket would hand them over."""
    yield b"data: "
    for _ in range(total // chunk_size):
        yield b"x" * chunk_size


def test_an_unterminated_1000_mb_line_fails_at_the_cap_with_bounded_memory() -> None:
    chunks = endless_line()
    error, peak = peak_of(lambda: decode_all("responses", chunks))
    assert isinstance(error, mw.EventTooLargeError)
    assert error.limit == MAX_EVENT_BYTES
    assert error.offset == 0
    assert peak < 2 * MAX_EVENT_BYTES  # it was 3 GB
    assert next(chunks, None) is not None  # it stopped reading long before the end


def gzip_bomb(inflated: int) -> bytes:
    """A gzip body that inflates to ``inflated`` bytes of one data line (about 1000:1)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(b"data: ")]
    block = b"A" * MiB
    parts += [packer.compress(block) for _ in range(inflated // MiB)]
    parts.append(packer.flush())
    return b"".join(parts)


def inflated(body: bytes, piece: int = 64 * 1024) -> Iterator[bytes]:
    """The bomb inflated as an HTTP client would: at most ``piece`` bytes at a time."""
    unpacker = zlib.decompressobj(31)
    pending = body
    while pending:
        out = unpacker.decompress(pending, piece)
        pending = unpacker.unconsumed_tail
        if out:
            yield out


def test_a_gzip_bomb_fed_in_pieces_fails_at_the_cap_with_bounded_memory() -> None:
    bomb = gzip_bomb(200 * MiB)
    assert len(bomb) < 300 * 1024
    error, peak = peak_of(lambda: decode_all("chat", inflated(bomb)))
    assert isinstance(error, mw.EventTooLargeError)
    assert peak < 2 * MAX_EVENT_BYTES  # it was 850 MB
    error, peak = peak_of(lambda: decode_all("chat", inflated(bomb), max_event_bytes=MiB))
    assert isinstance(error, mw.EventTooLargeError)
    assert peak < 8 * MiB


def test_a_frame_of_endless_empty_data_lines_is_capped_too() -> None:
    chunks = (b"data:\n" * 10_000 for _ in range(10_000))
    error, peak = peak_of(lambda: decode_all("chat", chunks, max_event_bytes=MiB))
    assert isinstance(error, mw.EventTooLargeError)
    assert peak < 32 * MiB


@pytest.mark.parametrize("api", APIS)
def test_the_cap_is_on_one_event_and_the_events_before_the_big_one_are_delivered(
    api: str,
) -> None:
    body = text_stream(api, "x" * 5000)
    largest = max(len(line) for line in body.split(b"\n"))
    # At the largest event's size the stream decodes; one byte less, it does not.
    assert mw.collect(decode_all(api, [body], max_event_bytes=largest)).text == "x" * 5000
    delivered: list[mw.Event] = []
    with pytest.raises(mw.EventTooLargeError) as caught:  # "data: " is not counted
        delivered.extend(mw.decode(api, [body], max_event_bytes=largest - 7))  # type: ignore[arg-type]
    assert caught.value.partial is not None
    # What was delivered before the big event is what the partial holds.
    texts = [event.text for event in delivered if isinstance(event, mw.TextDelta)]
    assert caught.value.partial.text == "".join(texts)
    if api != "chat":  # Chat's first event is the big one
        assert isinstance(delivered[0], mw.Created)


def test_an_oversized_event_split_anywhere_fails_the_same_way() -> None:
    body = text_stream("messages", "y" * 3000)
    for size in (1, 7, 100, 4096):
        chunks = [body[i : i + size] for i in range(0, len(body), size)]
        with pytest.raises(mw.EventTooLargeError):
            decode_all("messages", chunks, max_event_bytes=2000)


def test_the_cap_must_be_positive() -> None:
    with pytest.raises(mw.ConfigurationError):
        StreamDecoder("chat", max_event_bytes=0)
    with pytest.raises(ValueError, match="at least 1"):
        SSEDecoder(max_event_bytes=0)


# ------------------------------------------------------------------- item 10: native


def test_native_on_a_malformed_payload_is_a_native_validation_error_with_details() -> None:
    message = {"id": "m1", "usage": {"input_tokens": ARGUMENT_SECRET}}
    body = b"event: message_start\ndata: " + orjson.dumps(
        {"type": "message_start", "message": message}
    )
    decoder = StreamDecoder("messages")
    events = decoder.feed(body + b"\n\n")
    assert events
    with pytest.raises(mw.NativeValidationError) as caught:
        _ = events[0].native
    error = caught.value
    assert error.model == "MessageStartEvent"
    locations = {tuple(detail["loc"]) for detail in error.errors()}
    assert ("message", "usage", "input_tokens") in locations
    assert any(detail.get("input") == ARGUMENT_SECRET for detail in error.errors())
    assert "message.usage.input_tokens" in str(error)
    assert_no_secret(error_texts(error))  # the value is in .errors(), not in the text
    with pytest.raises(mw.NativeValidationError, match="Usage"):
        _ = decoder.response.usage.native


def test_response_native_on_a_malformed_final_object_is_a_native_validation_error() -> None:
    body = text_stream("responses", "hi").replace(b'"created_at":1', b'"created_at":"soon"')
    response = mw.collect(decode_all("responses", [body]))
    assert response.text == "hi"
    with pytest.raises(mw.NativeValidationError) as caught:
        _ = response.native
    assert caught.value.errors()


# ------------------------------------------------------------------- fuzz: any hostile mixture

HOSTILE_PIECES = st.sampled_from(
    [
        b"data: " + DEEP.encode()[:3000] + b"\n\n",
        b'data: {"type":"x","a":NaN}\n\n',
        b"data: " + b"[" * 5000,
        b"data: " + b"z" * 3000,
        b"data:\n" * 200,
        b":" + b"c" * 2500 + b"\n",
        b"event: " + b"e" * 2500 + b"\n",
        b"\xef\xbb\xbf",
        b"\r\n\r\n",
        b"\x00\xff\xfe",
        b'data: {"type":"response.output_text.delta","delta":7}\n\n',
        b'data: {"type":"content_block_delta","index":"0","delta":null}\n\n',
    ]
)


@st.composite
def hostile_bodies(draw: st.DrawFn) -> tuple[str, list[bytes]]:
    api = draw(st.sampled_from(APIS))
    good = text_stream(api, draw(st.text(max_size=50)))
    pieces = [good[: draw(st.integers(0, len(good)))]]
    pieces += draw(st.lists(HOSTILE_PIECES | st.binary(max_size=50), max_size=6))
    body = b"".join(pieces)
    cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=8)))
    bounds = [0, *cuts, len(body)]
    return api, [body[a:b] for a, b in itertools.pairwise(bounds)]


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def only_typed_errors_and_bounded_memory(case: tuple[str, list[bytes]]) -> None:
    api, chunks = case

    def run() -> mw.Response:
        return mw.collect(decode_all(api, chunks, max_event_bytes=2048))

    result, peak = peak_of(run)
    assert isinstance(result, mw.Response | mw.ModelwireError)
    assert peak < 4 * MiB
    if isinstance(result, mw.ModelwireError):
        assert_no_secret(error_texts(result))


@FUZZ
@given(hostile_bodies())
def test_any_hostile_mixture_raises_only_modelwire_errors_within_bounded_memory(
    case: tuple[str, list[bytes]],
) -> None:
    only_typed_errors_and_bounded_memory(case)


@pytest.mark.stress
@settings(FUZZ, max_examples=5000)
@given(hostile_bodies())
def test_any_hostile_mixture_over_many_examples(case: tuple[str, list[bytes]]) -> None:
    only_typed_errors_and_bounded_memory(case)
