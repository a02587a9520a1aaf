"""deploy/smi-bot@.service (two processes on PostgreSQL, docs/postgresql.md) is deploy/smi-bot.service with
the port as the instance name: the same user, hardening and restarts, nothing drifting apart."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((ROOT / "deploy" / name).read_text(encoding="utf-8"))
    return parser


def test_the_template_is_the_single_unit_with_the_port_as_instance() -> None:
    single, template = _unit("smi-bot.service"), _unit("smi-bot@.service")
    assert template.sections() == single.sections()
    for section in single.sections():
        ours, theirs = dict(template[section]), dict(single[section])
        if section == "Unit":
            assert ours.pop("Description") == theirs.pop("Description") + ", process on port %i"
            assert ours.pop("Documentation").endswith("docs/postgresql.md")
            theirs.pop("Documentation")
        if section == "Service":
            assert ours.pop("ExecStart") == "/usr/bin/env WEB_PORT=%i " + theirs.pop("ExecStart")
        assert ours == theirs, section
    assert "smi-bot@8081 smi-bot@8082" in (ROOT / "docs" / "postgresql.md").read_text(encoding="utf-8")
