"""The package namespace is the public API and nothing else (issue 17 item 8)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import modelwire as mw


def test_dir_lists_exactly_the_public_api() -> None:
    assert dir(mw) == sorted(mw.__all__)


def test_no_helper_module_or_typing_name_is_an_attribute() -> None:
    fresh = subprocess.run(
        [
            sys.executable,
            "-c",
            "import modelwire as mw; "
            "print(' '.join(n for n in ('os', 'sys', 'Any', 'TYPE_CHECKING', 'importlib', "
            "'annotations', 'candidate') if hasattr(mw, n)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert fresh.stdout.strip() == ""


def test_every_name_in_all_is_importable() -> None:
    for name in mw.__all__:
        value = getattr(importlib.import_module("modelwire"), name)
        assert value is not None, name


def test_tool_timeouts_and_auth_errors_are_exported() -> None:
    from modelwire import LoginRequiredError, Timeouts, Tool

    assert Tool.__module__ == "modelwire.common.tools"
    assert Timeouts().httpx() is not None
    assert issubclass(LoginRequiredError, mw.AuthenticationError)


def test_all_is_complete_every_public_class_of_the_modules_it_exports_from() -> None:
    """Every exception and event class the package defines is reachable from the top level."""
    from modelwire.common import errors, events

    for module in (errors, events):
        for name, value in vars(module).items():
            internal = name.startswith("_") or name == "ErrorAfterEvents"  # decoder-only
            if isinstance(value, type) and value.__module__ == module.__name__ and not internal:
                assert name in mw.__all__, name
