"""The codegen pipeline: deterministic, checkable, and the way to follow an API change."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GENERATE = [sys.executable, str(ROOT / "codegen" / "generate.py")]


def generate(schemas: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GENERATE, "--schemas", str(schemas), "--out", str(out), *extra],
        capture_output=True,
        text=True,
        check=False,
    )


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    result = generate(ROOT / "schemas", out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.slow
def test_the_committed_tree_is_what_the_schemas_produce(regenerated: Path) -> None:
    assert tree(regenerated) == tree(ROOT / "generated")


@pytest.mark.slow
def test_generation_is_deterministic(regenerated: Path, tmp_path: Path) -> None:
    result = generate(ROOT / "schemas", tmp_path)
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path) == tree(regenerated)


@pytest.mark.slow
def test_every_generated_file_carries_the_do_not_edit_header(regenerated: Path) -> None:
    for name, content in tree(regenerated).items():
        if name.endswith(".py"):
            assert b"do not edit" in content.splitlines()[0], name


@pytest.mark.slow
def test_check_fails_with_a_diff_after_a_hand_edit(regenerated: Path, tmp_path: Path) -> None:
    copy = tmp_path / "generated"
    shutil.copytree(regenerated, copy)
    models = copy / "modelwire" / "native" / "chat" / "models.py"
    models.write_text(models.read_text() + "\nHAND_EDIT = 1\n")
    result = generate(ROOT / "schemas", copy, "--check")
    assert result.returncode == 1
    assert "+HAND_EDIT = 1" not in result.stdout
    assert "-HAND_EDIT = 1" in result.stdout
    assert "stale" in result.stderr


@pytest.mark.slow
def test_a_new_field_and_event_in_a_schema_become_importable_models(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    document = yaml.safe_load((ROOT / "schemas" / "messages.yaml").read_text())
    components = document["components"]["schemas"]
    components["MessageStopEvent"]["properties"]["stop_note"] = {
        "type": "string",
        "description": "A field the API just added.",
    }
    components["MessageThoughtEvent"] = {
        "type": "object",
        "additionalProperties": True,
        "description": "An event the API just added.",
        "required": ["type", "thought"],
        "properties": {
            "type": {"type": "string", "const": "message_thought"},
            "thought": {"type": "string"},
        },
    }
    document["x-modelwire"]["stream_events"]["message_thought"] = "MessageThoughtEvent"
    (schemas / "messages.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    out = tmp_path / "out"
    result = generate(schemas, out)
    assert result.returncode == 0, result.stderr

    code = (
        "import modelwire.native.messages as m\n"
        "event = m.EVENT_TYPES['message_thought'].model_validate(\n"
        "    {'type': 'message_thought', 'thought': 'hm'})\n"
        "stop = m.EVENT_TYPES['message_stop'].model_validate(\n"
        "    {'type': 'message_stop', 'stop_note': 'n'})\n"
        "print(type(event).__name__, event.thought, stop.stop_note)\n"
    )
    # A fresh interpreter with only the temp tree on the path for modelwire.native.
    probe = tmp_path / "probe"
    (probe / "modelwire").mkdir(parents=True)
    (probe / "modelwire" / "__init__.py").write_text("")
    shutil.copytree(out / "modelwire" / "native", probe / "modelwire" / "native")
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=probe, capture_output=True, text=True, check=False,
        env={"PYTHONPATH": str(probe), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["MessageThoughtEvent", "hm", "n"]


def test_a_schema_naming_an_unknown_event_schema_is_refused(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    document = yaml.safe_load((ROOT / "schemas" / "chat.yaml").read_text())
    document["x-modelwire"]["stream_events"]["chat.completion.thought"] = "NoSuchSchema"
    (schemas / "chat.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    result = generate(schemas, tmp_path / "out")
    assert result.returncode == 1
    assert "NoSuchSchema" in result.stderr


def test_native_packages_import_lazily() -> None:
    code = (
        "import sys, modelwire\n"
        "assert not any(m.startswith('modelwire.native.') for m in sys.modules), 'eager'\n"
        "import modelwire.native.chat\n"
        "print('ok')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    importlib.invalidate_caches()
