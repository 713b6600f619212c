"""`modelwire login`, `logout` and `auth status`, in subprocesses with a private file store."""

from __future__ import annotations

import base64
import json
import re
import stat
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest

from modelwire.testing import FakeServer

from .conftest import Cli

OPENAI_KEY = "sk-proj-secret-0123456789"


def stored(cli: Cli) -> dict[str, Any]:
    providers: dict[str, Any] = json.loads((cli.home / "auth.json").read_text())["providers"]
    return providers


def status_by_provider(cli: Cli) -> dict[str, dict[str, Any]]:
    result = cli.run("auth", "status", "--json")
    assert result.returncode == 0, result.stderr
    return {record["provider"]: record for record in json.loads(result.stdout)}


def test_login_reads_the_api_key_from_stdin_into_the_file_store(cli: Cli) -> None:
    result = cli.run("login", "openai", "--api-key", "-", input=OPENAI_KEY + "\n")

    assert result.returncode == 0, result.stderr
    assert OPENAI_KEY not in result.stdout + result.stderr
    assert stored(cli)["openai"]["api_key"] == OPENAI_KEY
    assert stat.S_IMODE((cli.home / "auth.json").stat().st_mode) == 0o600


def test_auth_status_lists_the_saved_key_without_showing_it(cli: Cli) -> None:
    cli.run("login", "openai", "--api-key", "-", input=OPENAI_KEY)

    result = cli.run("auth", "status", "--json")

    assert result.returncode == 0, result.stderr
    assert OPENAI_KEY not in result.stdout
    records = {record["mode"]: record for record in json.loads(result.stdout)}
    assert set(records) == {"openai-api-key", "anthropic-api-key", "chatgpt-oauth", "claude-oauth"}
    assert records["openai-api-key"]["available"] is True
    assert records["openai-api-key"]["source"] == "store"
    assert records["openai-api-key"]["store"] == str(cli.home / "auth.json")
    assert records["anthropic-api-key"]["available"] is False


def test_auth_status_table_names_every_mode_and_the_store(cli: Cli) -> None:
    cli.run("login", "openai", "--api-key", "-", input=OPENAI_KEY)

    result = cli.run("auth", "status", ANTHROPIC_API_KEY="sk-ant-from-env")

    assert result.returncode == 0, result.stderr
    assert OPENAI_KEY not in result.stdout
    assert "sk-ant-from-env" not in result.stdout
    for mode in ("openai-api-key", "anthropic-api-key", "chatgpt-oauth", "claude-oauth"):
        assert mode in result.stdout
    assert "env:ANTHROPIC_API_KEY" in result.stdout
    assert str(cli.home / "auth.json") in result.stdout
    assert "modelwire login claude" in result.stdout


def test_a_literal_key_on_the_command_line_is_refused(cli: Cli) -> None:
    result = cli.run("login", "openai", "--api-key", OPENAI_KEY)

    assert result.returncode == 2
    assert "--api-key -" in result.stderr
    assert not (cli.home / "auth.json").exists()


def test_an_empty_stdin_saves_nothing(cli: Cli) -> None:
    result = cli.run("login", "anthropic", "--api-key", "-", input="")

    assert result.returncode == 1
    assert "empty" in result.stderr
    assert not (cli.home / "auth.json").exists()


def test_a_sign_in_provider_takes_no_api_key(cli: Cli) -> None:
    result = cli.run("login", "claude", "--api-key", "-", input="sk-ant-x")

    assert result.returncode == 2
    assert "modelwire login anthropic --api-key -" in result.stderr


def test_login_without_a_provider_is_a_usage_error(cli: Cli) -> None:
    result = cli.run("login")

    assert result.returncode == 2
    assert "modelwire login chatgpt|claude|openai|anthropic" in result.stderr


def test_logout_forgets_one_provider(cli: Cli) -> None:
    cli.run("login", "openai", "--api-key", "-", input=OPENAI_KEY)
    cli.run("login", "anthropic", "--api-key", "-", input="sk-ant-secret")

    result = cli.run("logout", "openai")

    assert result.returncode == 0, result.stderr
    assert "openai" in result.stdout
    assert set(stored(cli)) == {"anthropic"}
    assert status_by_provider(cli)["openai"]["available"] is False


def test_logout_of_everything_and_of_nothing(cli: Cli) -> None:
    cli.run("login", "openai", "--api-key", "-", input=OPENAI_KEY)

    first = cli.run("logout")
    again = cli.run("logout")

    assert first.returncode == again.returncode == 0
    assert stored(cli) == {}
    assert "Nothing stored" in again.stdout


def point_at(server: FakeServer) -> dict[str, str]:
    """The environment that sends both sign-ins to the embedded server."""
    chatgpt, claude = server.oauth("chatgpt"), server.oauth("claude")
    return {
        "MODELWIRE_CHATGPT_AUTHORIZE_URL": chatgpt.authorize_url,
        "MODELWIRE_CHATGPT_TOKEN_URL": chatgpt.token_url,
        "MODELWIRE_CHATGPT_CLIENT_ID": chatgpt.client_id,
        "MODELWIRE_CLAUDE_AUTHORIZE_URL": claude.authorize_url,
        "MODELWIRE_CLAUDE_TOKEN_URL": claude.token_url,
        "MODELWIRE_CLAUDE_CLIENT_ID": claude.client_id,
    }


def read_url(stream: Any) -> str:
    """The sign-in URL the command prints (on its own indented line of stderr)."""
    for line in stream:
        if line.strip().startswith("http"):
            url: str = line.strip()
            return url
    raise AssertionError("no URL was printed")


def sign_in_to_claude(cli: Cli, server: FakeServer) -> str:
    """`modelwire login claude --no-browser`, pasting the code the hosted page shows; its
    stdout."""
    with cli.popen("login", "claude", "--no-browser", **point_at(server)) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stderr is not None
        url = read_url(process.stderr)
        # What the user copies from the hosted page after signing in.
        page = httpx2.get(url, headers={"accept": "application/json"}, trust_env=False)
        process.stdin.write(page.json()["code"] + "\n")
        process.stdin.flush()
        process.wait(15)
        output = process.stdout.read()
    assert process.returncode == 0
    return output


def test_login_claude_no_browser_takes_the_pasted_code(cli: Cli, fake_server: FakeServer) -> None:
    output = sign_in_to_claude(cli, fake_server)

    assert "Signed in: Claude as user@example.com" in output
    record = status_by_provider(cli)["claude"]
    assert record["available"] is True
    assert record["expires_at"] > time.time()


def test_login_chatgpt_no_browser_completes_on_the_loopback_callback(
    cli: Cli, fake_server: FakeServer
) -> None:
    with cli.popen(
        "login", "chatgpt", "--no-browser", "--callback-port", "0", **point_at(fake_server)
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        url = read_url(process.stderr)
        # The browser: the authorize page redirects to the command's loopback listener.
        with httpx2.Client(follow_redirects=True, trust_env=False, timeout=10) as browser:
            landing = browser.get(url)
        process.wait(15)
        output = process.stdout.read()

    assert landing.status_code == 200
    assert process.returncode == 0
    assert "Signed in: ChatGPT as user@example.com (plan: plus)" in output
    assert status_by_provider(cli)["chatgpt"]["available"] is True


def unsigned_jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}.c2ln"


def test_import_codex_copies_the_chatgpt_sign_in(cli: Cli, tmp_path: Path) -> None:
    codex_home = tmp_path / "codex"
    codex_home.mkdir()
    auth_claim = {"chatgpt_account_id": "acct-1", "chatgpt_plan_type": "pro"}
    claims = {"exp": int(time.time()) + 3600, "email": "me@example.com"}
    tokens = {
        "id_token": unsigned_jwt({**claims, "https://api.openai.com/auth": auth_claim}),
        "access_token": unsigned_jwt({**claims, "https://api.openai.com/auth": auth_claim}),
        "refresh_token": "rt_codex-refresh-secret",
        "account_id": "acct-1",
    }
    source = codex_home / "auth.json"
    source.write_text(json.dumps({"tokens": tokens, "last_refresh": "2026-01-01T00:00:00Z"}))
    before = source.read_bytes()

    result = cli.run("login", "--import-codex", CODEX_HOME=str(codex_home))

    assert result.returncode == 0, result.stderr
    assert "ChatGPT as me@example.com (plan: pro)" in result.stdout
    assert "rt_codex-refresh-secret" not in result.stdout + result.stderr
    assert source.read_bytes() == before  # only read
    assert stored(cli)["chatgpt"]["source"] == "codex"


def test_import_claude_code_copies_the_claude_sign_in(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "claude"
    config.mkdir()
    oauth = {
        "accessToken": "sk-ant-oat01-imported-secret",
        "refreshToken": "sk-ant-ort01-imported-secret",
        "expiresAt": int((time.time() + 3600) * 1000),
        "scopes": ["user:inference"],
        "subscriptionType": "max",
    }
    (config / ".credentials.json").write_text(json.dumps({"claudeAiOauth": oauth}))

    result = cli.run("login", "--import-claude-code", CLAUDE_CONFIG_DIR=str(config))

    assert result.returncode == 0, result.stderr
    assert "Claude" in result.stdout
    assert "(plan: max)" in result.stdout
    assert "imported-secret" not in result.stdout + result.stderr
    assert status_by_provider(cli)["claude"]["available"] is True


def test_import_with_nothing_to_import_fails_with_advice(cli: Cli, tmp_path: Path) -> None:
    result = cli.run("login", "--import-codex", CODEX_HOME=str(tmp_path / "none"))

    assert result.returncode == 1
    assert "modelwire login chatgpt" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("login", "claude", "--import-codex"), "imports a ChatGPT sign-in"),
        (("login", "chatgpt", "--import-claude-code"), "imports a Claude sign-in"),
    ],
)
def test_an_import_for_the_wrong_provider_is_a_usage_error(
    cli: Cli, args: tuple[str, ...], message: str
) -> None:
    result = cli.run(*args)

    assert result.returncode == 2
    assert message in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="file modes are POSIX")
def test_a_corrupt_store_is_reported_not_overwritten(cli: Cli) -> None:
    cli.home.mkdir(mode=0o700)
    (cli.home / "auth.json").write_text("{not json")

    result = cli.run("login", "openai", "--api-key", "-", input=OPENAI_KEY)

    assert result.returncode == 1
    assert str(cli.home / "auth.json") in result.stderr
    assert (cli.home / "auth.json").read_text() == "{not json"


def import_chatgpt_sign_in(cli: Cli, tmp_path: Path, email: str) -> None:
    """A ChatGPT sign-in in the store, copied from a Codex CLI file made up for the test."""
    codex_home = tmp_path / "codex"
    codex_home.mkdir()
    auth_claim = {"chatgpt_account_id": "acct-1", "chatgpt_plan_type": "enterprise"}
    claims = {
        "exp": int(time.time()) + 3600,
        "email": email,
        "https://api.openai.com/auth": auth_claim,
    }
    tokens = {"id_token": unsigned_jwt(claims), "access_token": unsigned_jwt(claims),
              "refresh_token": "rt_x", "account_id": "acct-1"}  # fmt: skip
    (codex_home / "auth.json").write_text(json.dumps({"tokens": tokens}))
    result = cli.run("login", "--import-codex", CODEX_HOME=str(codex_home))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("columns", [60, 120])
def test_auth_status_fits_the_terminal_without_cutting_names(
    cli: Cli, tmp_path: Path, columns: int
) -> None:
    email = "firstname.lastname@example-company.com"
    import_chatgpt_sign_in(cli, tmp_path, email)
    cli.run("login", "openai", "--api-key", "-", input=OPENAI_KEY)

    result = cli.run("auth", "status", COLUMNS=str(columns), ANTHROPIC_API_KEY="sk-ant-env")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert "…" not in result.stdout
    names = ["openai-api-key", "anthropic-api-key", "chatgpt-oauth", "claude-oauth"]
    for name in [*names, "env:ANTHROPIC_API_KEY", email, "(enterprise)"]:
        assert any(name in line for line in lines), name
    if columns == 120:  # wide enough for the table: one row per mode
        [row] = [line for line in lines if "chatgpt-oauth" in line and email in line]
        assert "yes" in row
        assert "in 60m" in row or "in 59m" in row


def test_a_sign_in_the_token_server_rejected_is_shown_as_rejected(
    cli: Cli, fake_server: FakeServer
) -> None:
    sign_in_to_claude(cli, fake_server)
    fake_server.revoke_tokens("claude")  # the access token and the refresh token are dead
    environment = {**point_at(fake_server), "MODELWIRE_CLAUDE_BASE_URL": fake_server.url}

    chat = cli.run("chat", "--provider", "claude", "hello", **environment)
    table = cli.run("auth", "status", **environment)
    records = {r["provider"]: r for r in json.loads(cli.run("auth", "status", "--json").stdout)}

    assert chat.returncode == 1
    assert "rejected by the token server" in chat.stderr
    assert "in-stream" not in chat.stderr
    row, detail = [line for line in table.stdout.splitlines() if line.startswith("claude-oauth")]
    assert "rejected" in row
    assert re.search(r"in \d+[smhd]\b", row) is None  # not "in 8h", as if it still worked
    assert "sign in again" in row
    assert "rejected by the token server" in detail
    assert "run `modelwire login claude`" in detail
    assert records["claude"]["rejected"] is True
    assert "rejected by the token server" in records["claude"]["detail"]

    sign_in_to_claude(cli, fake_server)  # a new sign-in is not the rejected one

    again = {r["provider"]: r for r in json.loads(cli.run("auth", "status", "--json").stdout)}
    assert again["claude"]["rejected"] is False
    assert again["claude"]["available"] is True


def test_login_gives_up_waiting_for_the_browser_after_the_timeout(
    cli: Cli, fake_server: FakeServer
) -> None:
    result = cli.run(
        "login", "chatgpt", "--no-browser", "--callback-port", "0", "--timeout", "0.5",
        **point_at(fake_server),
    )  # fmt: skip

    assert result.returncode == 1
    assert "did not complete" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (cli.home / "auth.json").exists()


# -- a hostile auth.json: the command fails naming the file, and no key it holds is printed ------

PLANTED_KEY = "sk-proj-PLANTED-0123456789abcdef"
HOSTILE_STORES: dict[str, str] = {
    "api_key is an object": json.dumps(
        {"version": 1, "providers": {"openai": {"type": "api_key", "api_key": {"v": PLANTED_KEY}}}}
    ),
    "api_key is a list": json.dumps(
        {"version": 1, "providers": {"openai": {"type": "api_key", "api_key": [PLANTED_KEY]}}}
    ),
    "a good key beside a mistyped record": json.dumps(
        {
            "version": 1,
            "providers": {
                "openai": {"type": "api_key", "api_key": PLANTED_KEY},
                "anthropic": {"type": "api_key", "api_key": 5},
            },
        }
    ),
    "a sign-in with a mistyped expiry": json.dumps(
        {
            "version": 1,
            "providers": {
                "chatgpt": {
                    "type": "oauth",
                    "access_token": PLANTED_KEY,
                    "refresh_token": PLANTED_KEY,
                    "expires_at": [1],
                }
            },
        }
    ),
    "providers is a list": json.dumps({"version": 1, "providers": [PLANTED_KEY]}),
    "the key as the version": json.dumps({"version": PLANTED_KEY, "providers": {}}),
    "the key as a provider name": json.dumps(
        {"version": 1, "providers": {PLANTED_KEY: {"api_key": 5}}}
    ),
    "the key as the name of a non-object": json.dumps(
        {"version": 1, "providers": {PLANTED_KEY: PLANTED_KEY}}
    ),
    "corrupt JSON": '{"version": 1, "providers": {"openai": {"api_key": "' + PLANTED_KEY + '"',
}
COMMANDS = {
    "auth status": ("auth", "status"),
    "auth status --json": ("auth", "status", "--json"),
    "chat": ("chat", "hello"),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("content", HOSTILE_STORES)
def test_a_hostile_store_fails_the_command_naming_the_file_without_the_key(
    cli: Cli, content: str, command: str
) -> None:
    cli.home.mkdir(mode=0o700)
    store = cli.home / "auth.json"
    store.write_text(HOSTILE_STORES[content])
    store.chmod(0o600)

    result = cli.run(*COMMANDS[command])

    assert result.returncode != 0
    assert str(store) in result.stderr
    assert "Traceback" not in result.stderr
    assert PLANTED_KEY not in result.stdout
    assert PLANTED_KEY not in result.stderr
    assert store.read_text() == HOSTILE_STORES[content]  # reported, never overwritten


def test_a_store_that_is_not_utf8_fails_the_command_naming_the_file(cli: Cli) -> None:
    cli.home.mkdir(mode=0o700)
    store = cli.home / "auth.json"
    store.write_bytes(b"\xff\xfe" + PLANTED_KEY.encode())
    store.chmod(0o600)

    for command in COMMANDS.values():
        result = cli.run(*command)
        assert result.returncode != 0
        assert str(store) in result.stderr
        assert PLANTED_KEY not in result.stdout + result.stderr
