"""Every error the library raises, each with a stable code and a message telling the user what to do.

The library raises; only the CLI prints (one line, no traceback unless ``--debug``).
"""

from __future__ import annotations


class PolicyKGError(Exception):
    """Base class. ``code`` is stable and greppable; ``hint`` says what to do next."""

    code = "E000"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class InputError(PolicyKGError):
    """A raw file cannot be turned into text (empty, binary, unknown encoding, broken markup)."""

    code = "E100"


class StructureError(PolicyKGError):
    """A document's metadata or hierarchy cannot be read."""

    code = "E200"


class ExtractionError(PolicyKGError):
    """The NLP pipeline cannot be built or run (bad config, missing segmenter model)."""

    code = "E300"


class ResourceError(PolicyKGError):
    """A gazetteer or lexicon file is missing or malformed."""

    code = "E310"


class GraphBuildError(PolicyKGError):
    """The RDF graph cannot be built or fails SHACL validation."""

    code = "E400"


class DatabaseError(PolicyKGError):
    """The graph database cannot be started, reached or written."""

    code = "E500"


class QueryError(PolicyKGError):
    """A named query is unknown, a parameter is missing, or a statement is not read-only."""

    code = "E600"


class EvaluationError(PolicyKGError):
    """The gold directory is missing files or holds malformed JSON."""

    code = "E700"


class AnalysisError(PolicyKGError):
    """An analysis cannot run: no built records, an unknown or ambiguous body, no matching goal."""

    code = "E800"


class FileFailedError(PolicyKGError):
    """Processing one raw file failed for a reason no other error names (a parser's recursion
    limit, a bug): that file is skipped and reported, the other files go on."""

    code = "E900"


def file_failure(source: str, exc: BaseException) -> PolicyKGError:
    """``exc``, raised while processing the file ``source``, as an error naming the file.

    >>> str(file_failure("a.txt", RecursionError("maximum recursion depth exceeded")))
    '[E900] a.txt: RecursionError: maximum recursion depth exceeded (the file was skipped; ...)'
    >>> str(file_failure("a.txt", InputError("a.txt: empty file")))
    '[E100] a.txt: empty file'
    """
    name = source if source.isprintable() else repr(source)
    if isinstance(exc, PolicyKGError):
        if exc.message.startswith(f"{name}:"):
            return exc
        return type(exc)(f"{name}: {exc.message}", hint=exc.hint)
    reason = str(exc).splitlines()[0][:300] if str(exc) else ""
    return FileFailedError(f"{name}: {type(exc).__name__}{': ' + reason if reason else ''}",
                           hint="the file was skipped; rerun with --debug and report it")  # fmt: skip


class RunLockedError(PolicyKGError):
    """Another ``policykg run`` holds this checkout's run lock."""

    code = "E910"


class CodeChangedError(PolicyKGError):
    """``policykg watch``: the package changed on disk since the watcher started."""

    code = "E920"
