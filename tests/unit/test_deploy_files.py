"""The deployment files (Dockerfile, deploy/docker-compose.yml, deploy/smi-bot.service) against the code.

Where Docker is not available these are the checks the image gets: who it runs as, what it installs, where
its data lives, and that its health check really tells a live /healthz from a dead one.
"""

from __future__ import annotations

import configparser
import fnmatch
import json
import re
import shlex
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath

import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

#: Variables of the operating system and of Python, not of the bot.
NOT_BOT_SETTINGS = {"PATH", "TZ", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "MPLCONFIGDIR",
                    "PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK"}


# ---- reading the files ------------------------------------------------------------------------------
def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions ``(INSTRUCTION, arguments)``, one list per stage."""
    lines: list[str] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if raw.strip().startswith("#"):
            continue
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        line = (pending + raw).strip()
        pending = ""
        if line:
            lines.append(line)
    assert not pending, "the Dockerfile ends inside a continued line"
    stages: list[list[tuple[str, str]]] = []
    for line in lines:
        word, _, args = line.partition(" ")
        if word.upper() == "FROM":
            stages.append([])
        assert stages, f"instruction before FROM: {line}"
        stages[-1].append((word.upper(), args.strip()))
    return stages


def instructions(stage: list[tuple[str, str]], name: str) -> list[str]:
    return [args for word, args in stage if word == name]


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for args in instructions(stage, "ENV"):
        for item in shlex.split(args):
            key, sep, value = item.partition("=")
            assert sep, f"ENV {item!r}: use the KEY=value form"
            env[key] = value
    return env


def healthcheck_argv() -> list[str]:
    (args,) = instructions(dockerfile_stages()[-1], "HEALTHCHECK")
    _, sep, command = args.partition("CMD ")
    assert sep, "HEALTHCHECK without CMD"
    argv = json.loads(command)
    assert isinstance(argv, list)
    return [str(a) for a in argv]


def compose_service() -> dict[str, object]:
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert len(services) == 1
    service: dict[str, object] = next(iter(services.values()))
    return service


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((ROOT / "deploy" / "smi-bot.service").read_text(encoding="utf-8"))
    return parser


def env_example() -> dict[str, str]:
    """Every assignment of .env.example, also the commented-out ones (`# REMIND_PUBLISH_FRACTION=`)."""
    found: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if m:
            found[m.group(1)] = m.group(2)
    return found


def env_example_as_env_file() -> dict[str, str]:
    """.env.example the way systemd's EnvironmentFile= and Compose's env_file read it (comments skipped)."""
    values: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value
    return values


# ---- Dockerfile --------------------------------------------------------------------------------------
def test_image_is_multi_stage_on_python_311_slim() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    for stage in stages:
        assert instructions(stage, "FROM")[0].split()[0] == "python:3.11-slim"


def test_image_runs_as_a_non_root_user_set_before_the_command() -> None:
    final = dockerfile_stages()[-1]
    words = [word for word, _ in final]
    users = instructions(final, "USER")
    assert users, "no USER in the final stage: the bot would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    last_user = max(i for i, w in enumerate(words) if w == "USER")
    starts = [i for i, w in enumerate(words) if w in {"CMD", "ENTRYPOINT"}]
    assert starts and all(last_user < i for i in starts)


def test_image_starts_the_bot_with_python_m_bot() -> None:
    final = dockerfile_stages()[-1]
    assert json.loads(instructions(final, "CMD")[-1]) == ["python", "-m", "bot"]
    assert not instructions(final, "ENTRYPOINT")  # so that `docker run --rm smi-bot id` runs `id`
    assert instructions(final, "STOPSIGNAL") == ["SIGTERM"]


def test_image_keeps_all_data_in_the_data_volume() -> None:
    final = dockerfile_stages()[-1]
    volumes = [v for args in instructions(final, "VOLUME") for v in json.loads(args)]
    assert volumes == ["/data"]
    env = env_of(final)
    for name in ("DATABASE_PATH", "CALENDAR_PATH", "BACKUP_DIR"):
        assert PurePosixPath(env[name]).is_relative_to("/data"), name
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["TZ"] == "Europe/Moscow"
    assert any(req.startswith("tzdata") for req in PYPROJECT["project"]["dependencies"])


def test_image_installs_no_dev_dependencies_and_no_build_tools_in_the_final_stage() -> None:
    stages = dockerfile_stages()
    dev = {re.split(r"[<>=!\[ ]", req)[0].lower() for req in PYPROJECT["project"]["optional-dependencies"]["dev"]}
    runs = [args for stage in stages for args in instructions(stage, "RUN")]
    pip_runs = [args for args in runs if "pip install" in args]
    assert pip_runs
    for args in pip_runs:
        assert "[dev]" not in args and "-e " not in args and "--editable" not in args, args
        assert not dev & {w.lower() for w in re.split(r"[\s'\"]+", args)}, args
    # The requirements come from [project] dependencies, never from optional-dependencies.
    assert any("['project']['dependencies']" in args for args in runs)
    final = stages[-1]
    for args in instructions(final, "RUN"):
        assert not re.search(r"\b(apt-get|apt|pip|gcc|build-essential)\b", args), args
    copies = instructions(final, "COPY")
    assert copies and all(args.startswith("--from=") for args in copies), "the final stage copies only the venv"


def test_image_copies_every_package_that_pyproject_installs() -> None:
    build = dockerfile_stages()[0]
    copied = {PurePosixPath(shlex.split(args)[0]).name for args in instructions(build, "COPY")}
    packages = {p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages <= copied
    assert PYPROJECT["project"]["readme"] in copied  # setuptools reads it while building


def test_every_data_file_of_the_packages_is_installed_by_a_regular_pip_install() -> None:
    """The image installs the package normally (not editable): a file not matched by package-data is lost."""
    package_data: dict[str, list[str]] = PYPROJECT["tool"]["setuptools"]["package-data"]
    packages = [p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]]
    missing = []
    for package in packages:
        for path in (ROOT / package).rglob("*"):
            if not path.is_file() or path.suffix in {".py", ".pyc", ".pyi"} or "__pycache__" in path.parts:
                continue
            relative = path.relative_to(ROOT / package).as_posix()
            if not any(fnmatch.fnmatch(relative, glob) for glob in package_data.get(package, [])):
                missing.append(f"{package}/{relative}")
    assert not missing, f"add to [tool.setuptools.package-data]: {missing}"


def test_dockerignore_keeps_secrets_local_data_and_caches_out_of_the_build() -> None:
    patterns = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")}
    assert {".env", ".venv", ".git", "data", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"} <= patterns


# ---- the health check ---------------------------------------------------------------------------------
class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        code = self.status if self.path == "/healthz" else 404
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"ok" if code == 200 else b"no")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[ThreadingHTTPServer, type[_Health]]]:
    handler = type("Handler", (_Health,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()


def run_healthcheck(port: int | str) -> int:
    argv = healthcheck_argv()
    assert argv[0] == "python"
    env = {"WEB_PORT": str(port), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, *argv[1:]], env=env, capture_output=True, timeout=30).returncode


def test_healthcheck_passes_while_healthz_answers_ok(health_server: tuple[ThreadingHTTPServer, type[_Health]]) -> None:
    server, _ = health_server
    assert run_healthcheck(server.server_address[1]) == 0


def test_healthcheck_fails_when_healthz_reports_an_error(
        health_server: tuple[ThreadingHTTPServer, type[_Health]]) -> None:
    server, handler = health_server
    handler.status = 503
    assert run_healthcheck(server.server_address[1]) == 1


def test_healthcheck_fails_when_nothing_listens_on_web_port(
        health_server: tuple[ThreadingHTTPServer, type[_Health]]) -> None:
    server, _ = health_server
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    assert run_healthcheck(port) == 1


def test_healthcheck_asks_web_port_or_8080_on_localhost() -> None:
    code = healthcheck_argv()[-1]
    assert "http://127.0.0.1:" in code and "/healthz" in code
    assert "os.environ.get('WEB_PORT') or '8080'" in code  # an empty WEB_PORT= falls back too


# ---- docker-compose.yml --------------------------------------------------------------------------------
def test_compose_keeps_data_in_a_volume_restarts_and_reads_dot_env() -> None:
    service = compose_service()
    assert service["env_file"] == ["../.env"]
    assert service["restart"] == "unless-stopped"
    volumes = service["volumes"]
    assert isinstance(volumes, list) and any(str(v).endswith(":/data") for v in volumes)
    env = service["environment"]
    assert isinstance(env, dict)
    image_env = env_of(dockerfile_stages()[-1])
    for name in ("DATABASE_PATH", "CALENDAR_PATH", "BACKUP_DIR"):
        assert env[name] == image_env[name], name
    assert "ports" not in service  # polling needs no open port; webhook mode un-comments it


def test_stop_timeouts_leave_time_for_the_graceful_shutdown() -> None:
    grace = str(compose_service()["stop_grace_period"])
    assert grace.endswith("s")
    timeout_stop = unit()["Service"]["TimeoutStopSec"]
    assert int(grace[:-1]) == int(timeout_stop) > 10  # 10 s is Docker's default that we raise


# ---- the systemd unit -----------------------------------------------------------------------------------
def test_systemd_unit_has_user_workdir_env_file_restart_and_hardening() -> None:
    service = unit()["Service"]
    required = {"User", "Group", "WorkingDirectory", "EnvironmentFile", "ExecStart", "Restart", "TimeoutStopSec",
                "NoNewPrivileges", "ProtectSystem", "ReadWritePaths", "PrivateTmp", "ProtectHome"}
    assert required <= set(service)
    assert service["User"] not in {"root", "0"}
    assert service["Restart"] == "on-failure"
    assert service["ProtectSystem"] == "strict"
    for flag in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
        assert service[flag] in {"true", "yes"}, flag
    assert "2" in service["RestartPreventExitStatus"].split()  # wrong settings: no restart loop
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


def test_systemd_unit_starts_python_m_bot_from_the_venv_with_the_dot_env() -> None:
    service = unit()["Service"]
    workdir = PurePosixPath(service["WorkingDirectory"])
    argv = shlex.split(service["ExecStart"])
    assert argv == [str(workdir / ".venv" / "bin" / "python"), "-m", "bot"]
    assert PurePosixPath(service["EnvironmentFile"].lstrip("-")) == workdir / ".env"


def test_systemd_unit_lets_the_bot_write_every_data_path_of_env_example() -> None:
    service = unit()["Service"]
    workdir = PurePosixPath(service["WorkingDirectory"])
    writable = [PurePosixPath(p.lstrip("-+")) for p in service["ReadWritePaths"].split()]
    example = env_example()
    paths = [example["DATABASE_PATH"], example["CALENDAR_PATH"]] + [example[k] for k in ("BACKUP_DIR",) if k in example]
    for value in paths:
        path = workdir / value  # an absolute value stays absolute
        resolved = PurePosixPath(*[p for p in path.parts if p != "."])
        assert any(resolved.is_relative_to(w) for w in writable), value


# ---- every variable the deploy files name is a real setting ----------------------------------------------
def deploy_variable_names() -> set[str]:
    names = set(env_of(dockerfile_stages()[-1]))
    environment = compose_service()["environment"]
    assert isinstance(environment, dict)
    names |= set(environment)
    names |= {item.partition("=")[0] for item in shlex.split(unit()["Service"]["Environment"])}
    names |= set(re.findall(r"os\.environ\.get\('([A-Z_]+)'", healthcheck_argv()[-1]))
    return names - NOT_BOT_SETTINGS


def test_every_variable_of_the_deploy_files_is_a_setting_documented_in_env_example() -> None:
    names = deploy_variable_names()
    assert {"DATABASE_PATH", "CALENDAR_PATH", "BACKUP_DIR", "WEB_PORT"} <= names
    settings = {name.upper() for name in Settings.variables()}
    documented = set(env_example())
    unknown = sorted(n for n in names if n not in settings or n not in documented)
    assert not unknown, f"not in Settings / .env.example: {unknown}"


def test_env_example_works_as_an_environment_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """systemd's EnvironmentFile= and Compose's env_file pass `HEAD_CHAT_ID=` as an empty variable."""
    values = env_example_as_env_file()
    assert values["HEAD_CHAT_ID"] == "" and values["BOT_TOKEN"] == ""
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.people.head_chat_id is None and settings.telegram.bot_token is None and settings.people.admin_ids == []
    monkeypatch.setenv("BOT_TOKEN", "123456789:" + "A" * 35)
    monkeypatch.setenv("ADMIN_IDS", "42")
    monkeypatch.setenv("REMIND_PUBLISH_FRACTION", "")  # the commented example line, uncommented as it is
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.people.admin_ids == [42] and settings.telegram.bot_token is not None
    assert settings.reminders.remind_fractions()["publish"] == settings.reminders.remind_at_fraction


def test_env_example_copied_to_dot_env_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The README's first step (`cp .env.example .env`) gives settings that load, not a validation error."""
    for key in env_example():
        monkeypatch.delenv(key, raising=False)
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.people.head_chat_id is None and settings.telegram.bot_token is None


# ---- issue 13: the web server listens on the loopback unless the container says otherwise -------------------
def test_healthz_listens_on_loopback_by_default_and_the_image_and_compose_set_their_own_host() -> None:
    assert Settings.variables()["web_host"].default == "127.0.0.1"
    assert env_of(dockerfile_stages()[-1])["WEB_HOST"] == "0.0.0.0"
    environment = compose_service()["environment"]
    assert isinstance(environment, dict) and environment["WEB_HOST"] == "0.0.0.0"
    assert env_example()["WEB_HOST"] == "127.0.0.1"


def test_systemd_unit_creates_files_readable_by_the_bot_only() -> None:
    assert unit()["Service"]["UMask"] == "0077"
