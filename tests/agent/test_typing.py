"""The public calls are typed with their real parameters, on both clients (issue 17 item 1),
and ``Response`` is generic in what ``output_type`` asked for (item 2): mypy --strict over a
typed usage file passes, and over one with typos fails naming each wrong argument."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from mypy import api as mypy_api

ROOT = Path(__file__).resolve().parents[2]

USAGE = """
from dataclasses import dataclass
from typing import Any, assert_type

import pydantic
from typing_extensions import TypedDict

import modelwire as mw


class Village(TypedDict):
    name: str


class City(pydantic.BaseModel):
    name: str


@dataclass
class Town:
    name: str


def get_weather(city: str) -> str:
    return city


def show(response: mw.Response) -> str:  # the bare annotation takes any Response
    return response.text


def sync(client: mw.Client) -> None:
    city = client.create(input="x", output_type=City)
    assert_type(city, mw.Response[City])
    assert_type(city.parsed, City)
    show(city)
    plain = client.create(input="x", model="m", reasoning="low", max_output_tokens=10)
    assert_type(plain.parsed, None)
    show(plain)
    whole = client.create(input="x", stream=False, timeout=5.0)
    assert_type(whole.text, str)
    with client.stream(input="x", output_type=Town) as stream:
        assert_type(stream.response.parsed, Town)
    assert_type(client.create(input="x", output_type=Village).parsed, Village)
    listed = client.create(input="x", output_type=list[Town])
    assert_type(listed.parsed, list[Town])
    result = client.run(input="x", tools=[get_weather], max_turns=3, output_type=City)
    assert_type(result, mw.RunResult[City])
    assert_type(result.parsed, City)
    with client.run_stream(input="x", tools=[get_weather]) as running:
        for event in running:
            assert_type(event, mw.RunEvent)
        assert_type(running.result.parsed, None)
    assert_type(client.count_tokens(input="x", instructions="be brief"), int)
    assert_type(client.with_options(max_retries=0), mw.Client)


async def asynchronous(client: mw.AsyncClient) -> None:
    city = await client.create(input="x", output_type=City)
    assert_type(city.parsed, City)
    async with client.stream(input="x", output_type=City) as stream:
        assert_type(stream.response.parsed, City)
    result = await client.run(input="x", tools=[get_weather])
    assert_type(result, mw.RunResult[None])
    async with client.run_stream(input="x", tools=[get_weather], output_type=Town) as running:
        async for _ in running:
            pass
        assert_type(running.result.parsed, Town)
    assert_type(await client.count_tokens(input="x"), int)
"""

TYPOS = """
import modelwire as mw


def sync(client: mw.Client) -> None:
    client.create(input="x", temprature=0.5)
    client.stream(input="x", instructons="be brief")
    client.run(input="x", tools=[], max_turn=3)
    client.run_stream(input="x", tool_choise="auto")
    client.count_tokens(input="x", modle="m")
    client.create(input="x", max_output_tokens="many")


async def asynchronous(client: mw.AsyncClient) -> None:
    await client.create(input="x", reasonning="low")
    client.stream(input="x", stopp="END")
    await client.run(input="x", output_typ=int)
    await client.count_tokens(inpt="x")
"""


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """mypy --strict over both files at once (one run: mypy is slow to start)."""
    folder = tmp_path_factory.mktemp("typing")
    (folder / "usage.py").write_text(textwrap.dedent(USAGE))
    (folder / "typos.py").write_text(textwrap.dedent(TYPOS))
    stdout, stderr, _ = mypy_api.run(
        [
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(folder / ".mypy_cache"),
            "--hide-error-context",
            "--no-pretty",
            str(folder / "usage.py"),
            str(folder / "typos.py"),
        ]
    )
    assert not stderr, stderr
    errors: dict[str, list[str]] = {"usage.py": [], "typos.py": []}
    for line in stdout.splitlines():
        found = re.match(r".*?(usage\.py|typos\.py):(\d+): error: (.*)", line)
        if found:
            errors[found.group(1)].append(f"{found.group(2)}: {found.group(3)}")
    return errors


def test_typed_usage_passes_mypy_strict(mypy_output: dict[str, list[str]]) -> None:
    assert mypy_output["usage.py"] == []


@pytest.mark.parametrize(
    ("line", "method", "argument"),
    [
        (6, "create", "temprature"),
        (7, "stream", "instructons"),
        (8, "run", "max_turn"),
        (9, "run_stream", "tool_choise"),
        (10, "count_tokens", "modle"),
        (15, "create", "reasonning"),
        (16, "stream", "stopp"),
        (17, "run", "output_typ"),
        (18, "count_tokens", "inpt"),
    ],
)
def test_a_typo_fails_naming_the_argument_and_the_method(
    mypy_output: dict[str, list[str]], line: int, method: str, argument: str
) -> None:
    at_line = [error for error in mypy_output["typos.py"] if error.startswith(f"{line}: ")]
    assert any(f'"{argument}"' in error and f'"{method}"' in error for error in at_line), at_line


def test_a_wrong_argument_type_fails(mypy_output: dict[str, list[str]]) -> None:
    assert any(error.startswith("11: ") for error in mypy_output["typos.py"])
