from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from .helpers import new_client


@pytest.fixture
def http() -> Iterator[httpx2.Client]:
    with new_client() as client:
        yield client
