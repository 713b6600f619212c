"""The emulator under hostile request bodies: whatever a client posts to any route that reads
JSON (random bytes, invalid UTF-8, lone surrogates, JSON of any shape at the user's text or as the
whole body), the answer is below 500, an error is in the API's own JSON shape, and nothing is
logged at WARNING or above (no traceback)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelwire.testing import FakeServer

from ..testing.helpers import new_client
from ..testing.routes import BODY_ROUTES, BodyRoute, is_error_of_shape

EMULATOR_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

#: Generous: one answer from the loopback emulator takes milliseconds.
SECONDS_PER_ANSWER = 10.0

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    # Text of any code point, lone surrogates included (json.dumps escapes them as \udxxx).
    | st.text(st.characters(codec=None), max_size=30)
)
json_values = st.recursive(
    _json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _encoded(value: Any) -> bytes:
    # allow_nan: NaN and Infinity go out as the bare constants the services refuse.
    return json.dumps(value).encode("ascii")


def _text_with_surrogates(text: str) -> bytes:
    """Text as raw bytes that are not UTF-8 wherever it holds a surrogate."""
    return b'"' + text.replace("\\", "").replace('"', "").encode("utf-8", "surrogatepass") + b'"'


request_bodies = st.one_of(
    st.tuples(st.sampled_from(BODY_ROUTES), st.booleans(), json_values).map(
        lambda case: (case[0], case[0].body(_encoded(case[2]), case[1]))
    ),
    st.tuples(st.sampled_from(BODY_ROUTES), st.text(st.characters(codec=None))).map(
        lambda case: (case[0], case[0].body(_text_with_surrogates(case[1]), True))
    ),
    st.tuples(st.sampled_from(BODY_ROUTES), json_values).map(
        lambda case: (case[0], _encoded(case[1]))
    ),
    st.tuples(st.sampled_from(BODY_ROUTES), st.binary(max_size=200)),
)


class _Noisy(logging.Handler):
    """Keeps every record at WARNING or above, and any record carrying a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING or record.exc_info:
            self.records.append(record)


@pytest.fixture(scope="module")
def emulator() -> Iterator[tuple[FakeServer, httpx2.Client, _Noisy]]:
    noisy = _Noisy()
    root = logging.getLogger()
    root.addHandler(noisy)
    try:
        with FakeServer() as server, new_client(timeout=SECONDS_PER_ANSWER) as http:
            yield server, http, noisy
    finally:
        root.removeHandler(noisy)


def _check(
    emulator: tuple[FakeServer, httpx2.Client, _Noisy], route: BodyRoute, body: bytes
) -> None:
    server, http, noisy = emulator
    started = time.monotonic()
    response = http.post(server.url + route.path, content=body, headers=route.headers(server))
    assert response.status_code < 500, response.text[:300]
    assert time.monotonic() - started < SECONDS_PER_ANSWER
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/json")
        assert is_error_of_shape(response.json(), route.shape), response.text[:300]
    assert noisy.records == []


@EMULATOR_FUZZ
@given(case=request_bodies)
def test_any_request_body_gets_an_answer_below_500_in_the_apis_shape(
    emulator: tuple[FakeServer, httpx2.Client, _Noisy], case: tuple[BodyRoute, bytes]
) -> None:
    _check(emulator, *case)


@pytest.mark.stress
@settings(EMULATOR_FUZZ, max_examples=2000)
@given(case=request_bodies)
def test_any_request_body_gets_an_answer_below_500_in_the_apis_shape_at_length(
    emulator: tuple[FakeServer, httpx2.Client, _Noisy], case: tuple[BodyRoute, bytes]
) -> None:
    _check(emulator, *case)
