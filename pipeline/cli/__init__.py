"""The ``policykg`` command line: it only wires stages together and prints.

Each command group lives in its own module under ``pipeline/cli/`` and registers itself on
:data:`app` via ``register(app)``; errors become one clear line (a traceback only with --debug).
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from pipeline.errors import PolicyKGError


class _Group(TyperGroup):
    """The command group, with a help flag that reads ``False`` when it is not given.

    typer leaves an absent flag's value ``None``, and coerces every non-bool value through a
    pydantic ``TypeAdapter``: ``policykg query --help`` imported pydantic (~0.15 s) only to read
    the group's own absent ``--help``. A command still imports it when it coerces its arguments.
    """

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option


app = typer.Typer(
    cls=_Group,
    name="policykg",
    help="Build a knowledge graph of Chinese health-policy documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # click's own help and error text: typer's rich formatting imports rich and markdown-it
    # (about 0.1 s) before the first line of `--help` prints
    rich_markup_mode=None,
)

_state = {"debug": False}


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
) -> None:
    _state["debug"] = debug


# Command modules, in pipeline order. A module that does not exist yet is skipped.
COMMAND_MODULES = (
    "ingest_cmd",
    "structure_cmd",
    "extract_cmd",
    "eval_cmd",
    "build_cmd",
    "db_cmd",
    "analysis_cmd",
    "bench_cmd",
    "run_cmd",
)

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"pipeline.cli.{_name}")
    except ModuleNotFoundError as exc:  # pragma: no cover - only while a stage is missing
        if exc.name != f"pipeline.cli.{_name}":
            raise
        continue
    _module.register(app)


def _is_usage_error(exc: Exception) -> bool:
    """Whether ``exc`` is a click usage/parameter error (typer may bundle its own copy of click)."""
    classes = []
    for module in ("click.exceptions", "typer._click.exceptions"):
        try:
            classes.append(importlib.import_module(module).ClickException)
        except (ImportError, AttributeError):
            continue
    return isinstance(exc, tuple(classes))


class _RedactingFilter(logging.Filter):
    """Replaces passwords (``NEO4J_PASSWORD``, one inside a URI) in log lines by ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redact(record.getMessage())
        record.args = None
        return True


def _redact(text: str) -> str:
    from pipeline.config import environment_secrets, redact_secrets

    return redact_secrets(text, environment_secrets())


def _log_to_stderr() -> None:
    """Warnings to stderr as Python's last-resort handler prints them, with passwords redacted."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.WARNING)
        handler.addFilter(_RedactingFilter())
        root.addHandler(handler)


def main() -> None:
    """Console-script entry point."""
    _log_to_stderr()
    try:
        # Without standalone mode click returns the code of a typer.Exit instead of exiting.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except PolicyKGError as exc:
        if _state["debug"]:
            raise
        print(_redact(f"policykg: error: {exc}"), file=sys.stderr)
        sys.exit(2)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        sys.exit(code or 0)
    except typer.Abort:
        print("policykg: aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        if _state["debug"] or "--debug" in sys.argv:
            raise
        if _is_usage_error(exc):  # a bad flag or a missing argument: click's own message
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        print(
            _redact(
                f"policykg: internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)"
            ),
            file=sys.stderr,
        )
        sys.exit(1)
