"""`nox -s schemas_check`, in-process: schemas/ is exactly what the pins and the overlay produce."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

import pytest

from .support import ROOT, codegen_module


@pytest.mark.slow
def test_committed_schemas_are_what_the_pinned_sdks_and_the_overlay_produce() -> None:
    differences = codegen_module("schemas").stale()
    assert differences == [], "".join(differences[:60]) + "\nrun `nox -s schemas`"


def test_installed_sdks_are_the_pinned_ones() -> None:
    lock = codegen_module("upstream").read_lock()
    for package, pin in lock.items():
        assert metadata.version(package) == pin["version"], package
        assert re.fullmatch(r"[0-9a-f]{64}", pin["sha256"]), package
        assert pin["wheel"].startswith(f"{package}-{pin['version']}-"), package


def test_dev_dependencies_pin_the_locked_versions() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    dev = project["project"]["optional-dependencies"]["dev"]
    for package, pin in codegen_module("upstream").read_lock().items():
        assert f"{package}=={pin['version']}" in dev, package


def test_the_schemas_check_fails_on_a_hand_edit(tmp_path: pytest.TempPathFactory) -> None:
    """A hand edit of schemas/*.yaml is caught, with a diff naming the edited line."""
    schemas = codegen_module("schemas")
    copy = tmp_path / "schemas"  # type: ignore[operator]
    copy.mkdir()
    for path in (ROOT / "schemas").iterdir():
        if path.is_file():
            (copy / path.name).write_bytes(path.read_bytes())
    (copy / "overlay").mkdir()
    for path in (ROOT / "schemas" / "overlay").iterdir():
        (copy / "overlay" / path.name).write_bytes(path.read_bytes())
    chat = copy / "chat.yaml"
    chat.write_text(
        chat.read_text("utf-8").replace("ChatCompletionChunk:", "ChatCompletionChunk: ", 1)
    )
    differences = "".join(schemas.stale(copy))
    assert "committed/chat.yaml" in differences
    assert "committed/responses.yaml" not in differences
