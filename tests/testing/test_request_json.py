"""Request bodies the services cannot parse (a lone surrogate escape, NaN and Infinity, deep
nesting, invalid UTF-8) get each API's own 400 from every route that reads JSON, never a 500 or a
logged traceback. The emulator reads bodies under modelwire's JSON policy (modelwire.wire.json)."""

from __future__ import annotations

import logging

import httpx2
import pytest

from modelwire.testing import FakeServer

from .routes import BODY_ROUTES, BodyRoute, is_error_of_shape

ROUTE_IDS = [route.path for route in BODY_ROUTES]


def _quiet(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


def _post(
    server: FakeServer, http: httpx2.Client, route: BodyRoute, body: bytes
) -> httpx2.Response:
    return http.post(server.url + route.path, content=body, headers=route.headers(server))


def _assert_refused_as_unparsable(response: httpx2.Response, route: BodyRoute) -> None:
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert is_error_of_shape(response.json(), route.shape)


def _bodies(route: BodyRoute, text: bytes) -> list[bytes]:
    streams = (False, True) if route.streams else (False,)
    return [route.body(text, stream) for stream in streams]


@pytest.mark.parametrize("route", BODY_ROUTES, ids=ROUTE_IDS)
def test_a_lone_surrogate_escape_gets_the_apis_400_not_a_500(
    fake_server: FakeServer,
    http: httpx2.Client,
    route: BodyRoute,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for body in _bodies(route, rb'"\ud800"'):
        _assert_refused_as_unparsable(_post(fake_server, http, route, body), route)
    assert _quiet(caplog) == []


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


@pytest.mark.parametrize("levels", [1000, 100_000])
@pytest.mark.parametrize("route", BODY_ROUTES, ids=ROUTE_IDS)
def test_a_deep_request_body_gets_the_apis_400(
    fake_server: FakeServer,
    http: httpx2.Client,
    route: BodyRoute,
    levels: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _assert_refused_as_unparsable(_post(fake_server, http, route, route.body(_deep(levels))), route)
    assert _quiet(caplog) == []


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
@pytest.mark.parametrize("route", BODY_ROUTES, ids=ROUTE_IDS)
def test_nan_and_infinity_are_refused_as_the_services_refuse_them(
    fake_server: FakeServer,
    http: httpx2.Client,
    route: BodyRoute,
    constant: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for body in _bodies(route, constant):
        _assert_refused_as_unparsable(_post(fake_server, http, route, body), route)
    assert _quiet(caplog) == []


@pytest.mark.parametrize("route", BODY_ROUTES, ids=ROUTE_IDS)
def test_invalid_utf8_gets_the_apis_400(
    fake_server: FakeServer, http: httpx2.Client, route: BodyRoute
) -> None:
    _assert_refused_as_unparsable(_post(fake_server, http, route, route.body(b'"\xff\xfe"')), route)


@pytest.mark.parametrize(
    "route", [r for r in BODY_ROUTES if r.shape != "oauth"], ids=lambda r: r.path
)
def test_the_same_bodies_with_ordinary_text_are_answered(
    fake_server: FakeServer, http: httpx2.Client, route: BodyRoute
) -> None:
    # The refusals above are for the hostile value alone, not for the rest of the body.
    for body in _bodies(route, b'"hi"'):
        assert _post(fake_server, http, route, body).status_code == 200


def test_a_surrogate_pair_escape_is_ordinary_text(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    route = BODY_ROUTES[0]
    response = _post(fake_server, http, route, route.body(rb'"\ud83d\ude00"'))
    assert response.status_code == 200
    assert fake_server.requests[-1].json["input"] == "\U0001f600"
