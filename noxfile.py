"""The project's work, one session per job (`nox -s NAME`): schemas, schemas_check, spec_diff,
codegen, codegen_check, lint, typecheck, tests, stress, bench, demo.

`pip install nox` is the only prerequisite: every session makes its own virtualenv (venv + pip) and
installs the project from its own files.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["schemas_check", "codegen_check", "lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


def install_dev(session: nox.Session) -> None:
    session.install("--upgrade", "pip")
    session.install("-e", ".[dev]")


@nox.session(python=PYTHON)
def schemas(session: nox.Session) -> None:
    """Derive schemas/*.yaml from the pinned SDKs (schemas/upstream.lock) and schemas/overlay."""
    install_dev(session)
    session.run("python", "codegen/schemas.py")


@nox.session(python=PYTHON)
def schemas_check(session: nox.Session) -> None:
    """Fail, with a diff, when schemas/*.yaml are not what the pins and the overlay produce."""
    install_dev(session)
    session.run("python", "codegen/schemas.py", "--check")


@nox.session(python=PYTHON)
def spec_diff(session: nox.Session) -> None:
    """What changes between the pinned SDKs and another release: `-- --to VERSION --package P`
    (default: the newest release of each)."""
    install_dev(session)
    session.run("python", "codegen/spec_diff.py", *session.posargs)


@nox.session(python=PYTHON)
def codegen(session: nox.Session) -> None:
    """Regenerate generated/ from schemas/."""
    install_dev(session)
    session.run("python", "codegen/generate.py")


@nox.session(python=PYTHON)
def codegen_check(session: nox.Session) -> None:
    """Fail, with a diff, when the committed generated/ is not what the schemas produce."""
    install_dev(session)
    session.run("python", "codegen/generate.py", "--check")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    install_dev(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over src/ (configured in pyproject.toml)."""
    install_dev(session)
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite (long reliability variants are in `stress`). Exit code 5 (no tests) fails."""
    install_dev(session)
    session.run("pytest", "-m", "not stress", *session.posargs)


# The LiteLLM proxy that tests/thirdparty/test_litellm_proxy.py runs. `litellm[proxy]` itself does
# not install (its extra pins packages that are not on the registry), so: litellm and the proxy's
# runtime packages, as that extra lists them, plus three it imports without listing them.
LITELLM_PROXY = [
    "litellm==1.110.2",
    "fastapi>=0.136.3,<1",
    "uvicorn>=0.33,<1",
    "backoff>=2.2.1,<3",
    "apscheduler>=3.11.2,<4",
    "pyjwt>=2.13,<3",
    "python-multipart>=0.0.27,<1",
    "cryptography>=49,<51",
    "pynacl>=1.6.2,<2",
    "websockets>=15.0.1,<16",
    "rq>=2.7,<3",
    "fastapi-sso>=0.19,<1",
    "orjson>=3.11.6,<4",
    "mcp>=2.3.0,<3",
    "semver",
    "expression",
    "soundfile",
]


@nox.session(python=PYTHON)
def stress(session: nox.Session) -> None:
    """The long reliability variants, and modelwire against a LiteLLM proxy."""
    install_dev(session)
    session.install(*LITELLM_PROXY)
    session.run("pytest", "-m", "stress", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Speed and memory figures, side by side with the official SDKs on the same bytes."""
    install_dev(session)
    session.run("python", "-m", "bench", *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The offline demo against the embedded server."""
    session.install("-e", ".[all]")
    session.run("modelwire", "demo", *session.posargs)
