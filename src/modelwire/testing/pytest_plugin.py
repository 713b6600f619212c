"""pytest plugin (registered through the ``pytest11`` entry point): the ``fake_server`` fixture.

Users of modelwire get a real loopback emulator of the three APIs and both OAuth servers in their
own tests::

    def test_my_app(fake_server):
        client = mw.Client("openai", api_key="sk-test", base_url=fake_server.base_url("openai"))
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .server import FakeServer


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    """A fresh embedded server on 127.0.0.1 (ephemeral port), stopped after the test."""
    from .server import FakeServer

    with FakeServer() as server:
        yield server
