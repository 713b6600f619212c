"""One JSON policy for every payload and every size (issue 16, item 2).

Deep nesting (past ``MAX_DEPTH``), NaN and Infinity are refused alike whether a payload is small
(orjson) or large (the standard library with hooks): as a stream event, tool arguments, an error
body or a credential file, and never as ``RecursionError``.
"""

from __future__ import annotations

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelwire as mw
from modelwire.wire.json import BIG_PAYLOAD, MAX_DEPTH, SHALLOW_PAYLOAD, depth, loads

PAD = b" " * BIG_PAYLOAD  # whitespace that moves a document onto the large-payload path
SIZES = {"small": b"", "large": PAD}


def nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def deep_object(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def outcome(data: bytes | str) -> tuple[str, object]:
    try:
        return "ok", loads(data)
    except mw.InvalidJSONError:
        return "refused", None


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 1000, 1025, 100_000])
def test_json_deeper_than_the_limit_is_refused_at_any_size(size: str, levels: int) -> None:
    for document in (nested(levels), deep_object(levels)):
        with pytest.raises(mw.InvalidJSONError, match="deeper than"):
            loads(document + SIZES[size])
        with pytest.raises(mw.InvalidJSONError):
            loads((document + SIZES[size]).decode())


@pytest.mark.parametrize("size", SIZES)
def test_json_at_the_limit_parses_at_any_size(size: str) -> None:
    assert outcome(nested(MAX_DEPTH) + SIZES[size])[0] == "ok"
    assert outcome(deep_object(MAX_DEPTH) + SIZES[size])[0] == "ok"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "document",
    [
        b"NaN",
        b"[Infinity]",
        b'{"a": -Infinity}',
        b"1e999",
        b"[-1e400]",
        b"\xef\xbb\xbf{}",
        b'"\\ud800"',
    ],
)
def test_nan_infinity_and_the_like_are_refused_at_any_size(size: str, document: bytes) -> None:
    with pytest.raises(mw.InvalidJSONError):
        loads(document + SIZES[size])


def test_an_integer_beyond_64_bits_becomes_the_same_float_at_any_size() -> None:
    for text in (b"18446744073709551616", b"-9223372036854775809", b"1" + b"0" * 300):
        assert loads(text) == loads(text + PAD) == float(text)
    assert loads(b"18446744073709551615" + PAD) == 2**64 - 1


def test_brackets_inside_strings_do_not_count_as_depth() -> None:
    document = orjson.dumps({"text": "[" * 5000 + '\\"{' * 300})
    assert depth(document) == 1
    assert loads(document) == loads(document + PAD)


def test_the_invalid_json_error_is_a_value_error_and_never_quotes_the_payload() -> None:
    with pytest.raises(ValueError, match="not valid JSON") as caught:
        loads(b'{"api_key": "sk-secret-123", oops}')
    assert "sk-secret" not in str(caught.value)


# Small JSON-ish documents: valid values with hostile atoms mixed in.
ATOMS = st.sampled_from(
    [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"18446744073709551616", b"-0", b"1.5e-400",
     b'"\\ud83d\\ude00"', b'"\\udc00"', b'"\\\\ud800"', b'"\xff"', b"01", b"[1,]", b"true",
     b"null", b'"\\u0000"', b"1 2", b"[]", b"{}"]
)  # fmt: skip
DOCUMENTS = st.recursive(
    ATOMS | st.binary(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3).map(lambda xs: b"[" + b",".join(xs) + b"]")
        | st.lists(st.tuples(st.text(max_size=3), inner), max_size=3).map(
            lambda pairs: b"{" + b",".join(orjson.dumps(k) + b":" + v for k, v in pairs) + b"}"
        )
    ),
    max_leaves=8,
)
DIFFERENTIAL = settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)


def same_on_both_paths(document: bytes) -> None:
    small, large = outcome(document), outcome(document + PAD)
    assert small[0] == large[0]
    assert repr(small[1]) == repr(large[1])  # repr: NaN-free, and -0.0 told from 0


@DIFFERENTIAL
@given(DOCUMENTS)
def test_small_and_large_payloads_get_the_same_answer(document: bytes) -> None:
    same_on_both_paths(document)


@pytest.mark.stress
@settings(DIFFERENTIAL, max_examples=20_000)
@given(DOCUMENTS)
def test_small_and_large_payloads_get_the_same_answer_over_many_examples(document: bytes) -> None:
    same_on_both_paths(document)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(b'[]{}"\\ a:,1'), max_size=600).map(bytes))
def test_depth_is_what_orjson_finds_for_every_valid_document(document: bytes) -> None:
    try:
        value = orjson.loads(document)
    except orjson.JSONDecodeError:
        return

    def levels(node: object) -> int:
        if isinstance(node, list):
            return 1 + max(map(levels, node), default=0)
        if isinstance(node, dict):
            return 1 + max(map(levels, node.values()), default=0)
        return 0

    assert depth(document) == levels(value)
    assert (levels(value) > MAX_DEPTH) == (outcome(document)[0] == "refused")


def test_short_documents_cannot_exceed_the_limit() -> None:
    # The hot path gives documents shorter than SHALLOW_PAYLOAD straight to orjson.
    assert len(nested(MAX_DEPTH + 1)) == SHALLOW_PAYLOAD
