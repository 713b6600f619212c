"""Load the codegen scripts (they live beside the project, not in the package) by path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
CODEGEN = ROOT / "codegen"


def codegen_module(name: str) -> ModuleType:
    """``codegen/<name>.py`` as a module (its siblings importable the way the scripts expect)."""
    if str(CODEGEN) not in sys.path:
        sys.path.insert(0, str(CODEGEN))
    qualified = f"_modelwire_codegen_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, CODEGEN / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module
