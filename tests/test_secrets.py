"""Credentials never appear in what the CLI prints, whatever path the error takes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import Settings, environment_secrets, redact_secrets, split_uri_credentials

ROOT = Path(__file__).resolve().parents[1]
SECRET = "Hunter2-s3cret"


def test_settings_moves_a_uri_password_into_the_credentials():
    settings = Settings.from_env({"NEO4J_URI": f"neo4j://alice:{SECRET}@127.0.0.1:1"})
    assert settings.neo4j_uri == "neo4j://127.0.0.1:1"
    assert (settings.neo4j_username, settings.neo4j_password) == ("alice", SECRET)
    assert SECRET not in repr(settings) and SECRET not in settings.bolt_uri


def test_settings_keeps_explicit_credentials_over_the_uri():
    settings = Settings.from_env(
        {"NEO4J_URI": "bolt://u:p@h:1", "NEO4J_USERNAME": "bob", "NEO4J_PASSWORD": "pw"}
    )
    assert (settings.neo4j_uri, settings.neo4j_username, settings.neo4j_password) == (
        "bolt://h:1",
        "bob",
        "pw",
    )


@pytest.mark.parametrize("uri, expected", [
    ("bolt://h:7687", ("bolt://h:7687", None, None)),
    ("bolt://user@h:7687", ("bolt://h:7687", "user", None)),
    ("bolt://user:p%3Aw@h:7687/db?x=1", ("bolt://h:7687/db?x=1", "user", "p:w")),
])  # fmt: skip
def test_split_uri_credentials(uri, expected):
    assert split_uri_credentials(uri) == expected


def test_redact_secrets_covers_encoded_and_raw_forms():
    env = {"NEO4J_URI": "bolt://u:p%40ssw0rd@h:1", "NEO4J_PASSWORD": "other-secret"}
    text = redact_secrets("bolt://u:p%40ssw0rd@h:1 p@ssw0rd other-secret", environment_secrets(env))
    assert "ssw0rd" not in text and "other-secret" not in text


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from pipeline.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, **env})  # fmt: skip


@pytest.mark.parametrize("args", [("db", "status"), ("db", "start"), ("load",),
                                  ("query", "--cypher", "MATCH (n) RETURN n LIMIT 1")])  # fmt: skip
def test_cli_never_prints_a_password_from_the_uri(tmp_path, args):
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "graph" / "docs").mkdir(parents=True)
    env = {"NEO4J_URI": f"bolt://neo4j:{SECRET}@127.0.0.1:1", "POLICYKG_ROOT": str(tmp_path)}
    result = _cli(*args, env=env)
    assert result.returncode != 0 or args == ("db", "start")
    assert SECRET not in result.stdout + result.stderr
    assert "127.0.0.1:1" in result.stdout + result.stderr  # it did say where it tried


def test_cli_redacts_a_password_in_an_internal_error(tmp_path):
    env = {"NEO4J_URI": f"bolt://neo4j:{SECRET}@[::1", "POLICYKG_ROOT": str(tmp_path)}
    result = _cli("db", "status", env=env)
    assert result.returncode != 0
    assert SECRET not in result.stdout + result.stderr
