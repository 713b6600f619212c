"""A function tool's parameter descriptions come from its docstring, in each common style
(issue 17 item 3); the tool's description is the docstring without its sections."""

from __future__ import annotations

from typing import Literal

import pytest

from modelwire import Tool


def google(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Current weather for a city.

    Reads the nearest station.

    Args:
        city: The city, e.g. "Paris".
        unit (str): Temperature unit.

    Returns:
        A one-line summary.
    """
    return city


def numpy(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Current weather for a city.

    Reads the nearest station.

    Parameters
    ----------
    city : str
        The city, e.g. "Paris".
    unit : str
        Temperature unit.

    Returns
    -------
    str
        A one-line summary.
    """
    return city


def rest(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Current weather for a city.

    Reads the nearest station.

    :param city: The city, e.g. "Paris".
    :param unit: Temperature unit.
    :returns: A one-line summary.
    """
    return city


@pytest.mark.parametrize("function", [google, numpy, rest], ids=["google", "numpy", "rest"])
def test_each_docstring_style_describes_the_parameters(function: object) -> None:
    tool = Tool.from_function(function)  # type: ignore[arg-type]
    assert tool.description == "Current weather for a city.\n\nReads the nearest station."
    properties = tool.parameters["properties"]
    assert properties["city"] == {"type": "string", "description": 'The city, e.g. "Paris".'}
    assert properties["unit"]["description"] == "Temperature unit."
    assert properties["unit"]["enum"] == ["celsius", "fahrenheit"]
    assert tool.parameters["required"] == ["city"]


def test_a_parameter_the_docstring_does_not_mention_has_no_description() -> None:
    def lookup(word: str, limit: int = 3) -> str:
        """Look a word up.

        Args:
            word: The word.
        """
        return word

    properties = Tool.from_function(lookup).parameters["properties"]
    assert properties["word"]["description"] == "The word."
    assert "description" not in properties["limit"]


def test_a_plain_docstring_is_the_whole_description() -> None:
    def ping() -> str:
        """Check the service answers.

        Takes no arguments."""
        return "pong"

    tool = Tool.from_function(ping)
    assert tool.description == "Check the service answers.\n\nTakes no arguments."
    assert tool.parameters["properties"] == {}
