"""The wheel ships the generated native packages and installs into a fresh virtualenv."""

from __future__ import annotations

import importlib
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [built] = out.glob("modelwire-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_holds_the_native_packages_and_py_typed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for api in ("responses", "chat", "messages"):
        assert f"modelwire/native/{api}/models.py" in names
        assert f"modelwire/native/{api}/events.py" in names
    assert "modelwire/py.typed" in names
    assert "modelwire/native/py.typed" in names
    assert "modelwire/__init__.py" in names


@pytest.mark.slow
def test_the_wheel_imports_in_a_fresh_virtualenv(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    # Dependencies come from this environment's site-packages through a path file (offline);
    # path files inside that folder are not processed, so the editable modelwire stays hidden.
    [fresh_site] = (venv / "lib").glob("python3.*/site-packages")
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (fresh_site / "deps.pth").write_text("\n".join(deps) + "\n")
    code = (
        "import modelwire, modelwire.native.responses as r, modelwire.native.chat as c, "
        "modelwire.native.messages as m\n"
        "print(modelwire.__file__)\n"
        "print(len(r.EVENT_TYPES), len(c.EVENT_TYPES), len(m.EVENT_TYPES))\n"
    )
    result = subprocess.run(
        [str(python), "-I", "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    location, counts = result.stdout.splitlines()
    assert location.startswith(str(venv))
    # The wheel carries the same registries as the tree it was built from.
    expected = [str(len(importlib.import_module(f"modelwire.native.{api}").EVENT_TYPES))
                for api in ("responses", "chat", "messages")]  # fmt: skip
    assert counts.split() == expected
