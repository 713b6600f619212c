"""The SSE decoder, from the framing rules of the server-sent events format."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelwire import StreamDecodeError
from modelwire.wire.sse import SSEDecoder, SSEFrame

from ..support import split_at


def frames_of(*chunks: bytes) -> list[SSEFrame]:
    decoder = SSEDecoder()
    frames = [frame for chunk in chunks for frame in decoder.feed(chunk)]
    return frames + decoder.close()


def test_event_and_data_lines_make_one_frame() -> None:
    [frame] = frames_of(b'event: ping\ndata: {"type":"ping"}\n\n')
    assert frame.event == "ping"
    assert frame.data == b'{"type":"ping"}'
    assert frame.offset == 12


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_every_line_ending_is_accepted(newline: bytes) -> None:
    body = newline.join([b"event: a", b"data: 1", b"", b"data: 2", b"", b""])
    assert [(f.event, f.data) for f in frames_of(body)] == [("a", b"1"), (None, b"2")]


def test_crlf_split_between_chunks_is_one_line_ending() -> None:
    frames = frames_of(b"data: 1\r", b"\n\r", b"\ndata: 2\r\n\r\n")
    assert [f.data for f in frames] == [b"1", b"2"]


def test_multiline_data_is_joined_with_newlines() -> None:
    [frame] = frames_of(b'data: {\ndata: "a": 1\ndata: }\n\n')
    assert frame.data == b'{\n"a": 1\n}'


def test_comments_and_unknown_but_legal_fields_are_skipped() -> None:
    decoder = SSEDecoder()
    frames = decoder.feed(b": ping\n\nid: 7\nretry: 1500\ndata: x\n\n")
    assert [f.data for f in frames] == [b"x"]
    assert decoder.last_event_id == "7"
    assert decoder.retry == 1500


def test_a_leading_bom_is_dropped_even_when_split() -> None:
    frames = frames_of(b"\xef", b"\xbb", b"\xbfdata: 1\n\n")
    assert [f.data for f in frames] == [b"1"]


def test_utf8_split_inside_a_character_survives() -> None:
    body = 'data: "héllo ☃"\n\n'.encode()
    cut = body.index("☃".encode()) + 1
    [frame] = frames_of(body[:cut], body[cut:])
    assert frame.data.decode() == '"héllo ☃"'


def test_field_without_colon_is_an_empty_value() -> None:
    [frame] = frames_of(b"data\ndata: x\n\n")
    assert frame.data == b"\nx"


def test_a_blank_line_without_data_dispatches_nothing() -> None:
    assert frames_of(b"event: x\n\n\n\ndata: y\n\n") == [SSEFrame(None, b"y", 12)]


def test_a_line_that_is_not_sse_is_a_typed_error_naming_the_offset() -> None:
    decoder = SSEDecoder()
    with pytest.raises(StreamDecodeError) as raised:
        decoder.feed(b"<html>oops</html>\n")
    assert raised.value.offset == 0
    assert "<html>" in str(raised.value)


def test_frames_before_a_bad_line_are_delivered_and_the_error_follows() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: 1\n\n<html>oops</html>\n") == [SSEFrame(None, b"1", 0)]
    with pytest.raises(StreamDecodeError) as raised:
        decoder.close()
    assert raised.value.offset == 9


def test_a_truncated_final_frame_is_a_typed_error() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: 1\n\ndata: {"partial') == [SSEFrame(None, b"1", 0)]
    with pytest.raises(StreamDecodeError) as raised:
        decoder.close()
    assert raised.value.offset == 9


def test_done_without_a_trailing_blank_line_is_accepted() -> None:
    assert [f.data for f in frames_of(b"data: 1\n\ndata: [DONE]")] == [b"1", b"[DONE]"]


BODY = (
    b'\xef\xbb\xbfevent: a\r\ndata: {"x": "\xc3\xa9"}\r\n\r\n: keep-alive\n\n'
    b"data: line1\ndata: line2\n\nevent: b\rdata: 3\r\rdata: [DONE]\n\n"
)


@given(st.lists(st.integers(min_value=1, max_value=len(BODY) - 1), max_size=12))
def test_any_split_of_the_body_gives_the_same_frames(cuts: list[int]) -> None:
    assert frames_of(*split_at(BODY, cuts)) == frames_of(BODY)


def test_byte_at_a_time_gives_the_same_frames() -> None:
    assert frames_of(*[BODY[i : i + 1] for i in range(len(BODY))]) == frames_of(BODY)


# A live stream sends one frame per chunk: those chunks take a shorter path, which must find the
# same frames (names, data, offsets) whatever came before them.
FRAMES = [
    b"event: a\ndata: 1\n\n",
    b"data: 2\n\n",
    b"event:b\ndata:3\n\n",
    b": keep-alive\n\n",
    b"id: 7\ndata: 4\n\n",
    b"data: 5\r\n\r\n",
    b"data: six\n",
    b"data: seven\n\n",
    b"event: c\n",
    b"data: 8\n\n",
    b"data: 9",
    b"\n\n",
    b"retry: 10\n\n",
    b"data: 11\r",
    b"\ndata: 12\n\n",
]


@given(st.lists(st.sampled_from(FRAMES), min_size=1, max_size=20))
def test_a_frame_per_chunk_gives_the_frames_of_the_whole_body(chunks: list[bytes]) -> None:
    chunks = [*chunks, b"\n\ndata: end\n\n"]  # ends whatever frame the last chunk left open
    assert frames_of(*chunks) == frames_of(b"".join(chunks))


def test_a_frame_per_chunk_after_a_bom_and_a_partial_line() -> None:
    chunks = [b"\xef\xbb", b"\xbfdata: 1\n\n", b"data: 2\n\n", b"data: 3", b"\n\n", b"data: 4\n\n"]
    assert frames_of(*chunks) == frames_of(b"".join(chunks))
    assert [f.offset for f in frames_of(*chunks)] == [3, 12, 21, 30]


def test_a_frame_per_chunk_past_the_size_limit_is_refused() -> None:
    decoder = SSEDecoder(max_event_bytes=8)
    assert decoder.feed(b"data: 1\n\n") == [SSEFrame(None, b"1", 0)]
    with pytest.raises(StreamDecodeError, match="max_event_bytes"):
        decoder.feed(b"data: 123456789\n\n")


@pytest.mark.parametrize(
    "body",
    [
        b"data: six\nevent: a\ndata: 1\n\nevent: a\ndata: 1\n\n",  # a later line repeats one
        b": see data: 1\ndata: 0\r\n\r\ndata: 1\n\n",  # a comment holds a data line's text
        b"id: data: 1\ndata: 0\n\ndata: 1\n\n",
    ],
)
def test_a_frame_offset_is_where_its_first_data_line_begins(body: bytes) -> None:
    frames = frames_of(body)
    assert [f.offset for f in frames] == [
        body.index(b"data: 0" if b"data: 0" in body else b"data: six"),
        body.rindex(b"\ndata: 1") + 1,
    ]
