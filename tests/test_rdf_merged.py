"""The incremental merged graph writes, after any sequence of changes, the bytes a full merge and
conversion of the current per-document graphs write."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.convert import convert
from pipeline.errors import GraphBuildError
from pipeline.rdf import merged
from pipeline.rdf.export import _prefixes, export_merged, merge_sorted_files, merged_cache_dir


def _full(graph_dir: Path, tmp: Path) -> dict[str, bytes]:
    """The merged files as the whole-corpus merge and pyoxigraph conversion write them."""
    tmp.mkdir(parents=True, exist_ok=True)
    nt = tmp / "all.nt"
    merge_sorted_files(sorted((graph_dir / "docs").glob("*.nt")), nt)
    convert(nt, tmp / "all.ttl", "turtle", _prefixes())
    convert(nt, tmp / "all.jsonld", "json-ld", _prefixes())
    return {suffix: (tmp / f"all{suffix}").read_bytes() for suffix in (".nt", ".ttl", ".jsonld")}


def _replace(path: Path, text: str) -> None:
    """Write ``path`` as the pipeline does: a new file renamed over the old one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _written(graph_dir: Path) -> dict[str, bytes]:
    return {s: (graph_dir / f"policykg{s}").read_bytes() for s in (".nt", ".ttl", ".jsonld")}


@pytest.fixture
def graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed_graphs: Path) -> Settings:
    monkeypatch.setattr(merged, "SHARD_LINES", 200)  # many shards, splits and drops
    monkeypatch.setattr(merged, "COLD_SHARE", 0.9)  # deltas even for big changes
    settings = Settings(root=tmp_path)
    shutil.copytree(seed_graphs, settings.path(settings.graph_dir) / "docs")
    return settings


@pytest.fixture(scope="module")
def seed_graphs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Per-document graphs of the seed documents (built once for the module)."""
    from pipeline.runner import run

    root = tmp_path_factory.mktemp("seed")
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "raw", root / "data" / "raw")
    settings = Settings(root=root, workers=1)
    run(settings, load=False, analyse=False)
    return settings.path(settings.graph_dir) / "docs"


def test_changes_in_turn_write_what_a_full_merge_writes(
    graph: Settings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph_dir = graph.path(graph.graph_dir)
    docs = graph_dir / "docs"
    export_merged(graph)
    assert _written(graph_dir) == _full(graph_dir, tmp_path / "full0")
    state = merged.MergedGraph(merged_cache_dir(graph_dir), graph_dir, "policykg", _prefixes())
    assert len(state._load_state().shards) > 3  # type: ignore[union-attr]

    names = sorted(p.name for p in docs.glob("*.nt"))
    # one document loses half its lines, another gains lines of a subject of its own
    first = docs / names[0]
    lines = first.read_text(encoding="utf-8").splitlines(keepends=True)
    _replace(first, "".join(lines[::2]))
    second = docs / names[1]
    extra = [
        f'<https://w3id.org/policykg/id/zz/{i:03d}> <http://www.w3.org/2004/02/skos/core#prefLabel> "新{i}"@zh .\n'
        for i in range(450)
    ]
    _replace(
        second,
        "".join(sorted(second.read_text(encoding="utf-8").splitlines(keepends=True) + extra)),
    )
    colds: list[int] = []
    real_cold = merged.MergedGraph._cold
    monkeypatch.setattr(
        merged.MergedGraph, "_cold", lambda self, *a: colds.append(1) or real_cold(self, *a)
    )
    export_merged(graph)
    assert not colds  # the changes went in as a delta
    assert _written(graph_dir) == _full(graph_dir, tmp_path / "full1")
    assert "merging everything again" not in caplog.text

    # a document disappears (its lines shared with others stay), another is added
    (docs / names[2]).unlink()
    (docs / names[2]).with_suffix(".ttl").unlink(missing_ok=True)
    shutil.copy(docs / names[3], docs / "999_new.0.nt")
    export_merged(graph)
    assert not colds
    assert _written(graph_dir) == _full(graph_dir, tmp_path / "full2")
    assert "merging everything again" not in caplog.text

    # nothing changed: nothing is written; a deleted output is written again
    before = (graph_dir / "policykg.ttl").stat().st_mtime_ns
    export_merged(graph)
    assert (graph_dir / "policykg.ttl").stat().st_mtime_ns == before
    (graph_dir / "policykg.jsonld").unlink()
    export_merged(graph)
    assert _written(graph_dir) == _full(graph_dir, tmp_path / "full3")
    assert not colds

    # a file rewritten in place (its previous text gone with it): everything merged again
    with (docs / "999_new.0.nt").open("w", encoding="utf-8") as rewritten:
        rewritten.write(extra[0])
    export_merged(graph)
    assert colds and _written(graph_dir) == _full(graph_dir, tmp_path / "full4")


def test_a_corrupt_shard_means_a_full_merge(
    graph: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    graph_dir = graph.path(graph.graph_dir)
    export_merged(graph)
    shards = merged_cache_dir(graph_dir) / "shards"
    for counts in shards.glob("*.counts"):  # corrupt: the delta fails, a cold merge follows
        counts.write_bytes(b"\0")
    docs = sorted((graph_dir / "docs").glob("*.nt"))
    _replace(docs[0], "".join(docs[0].read_text(encoding="utf-8").splitlines(True)[1:]))
    export_merged(graph)
    assert "merging everything again" in caplog.text
    assert _written(graph_dir) == _full(graph_dir, tmp_path / "full")


def test_a_broken_document_graph_fails_the_export_naming_it(tmp_path: Path) -> None:
    settings = Settings(root=tmp_path)
    docs = settings.path(settings.graph_dir) / "docs"
    docs.mkdir(parents=True)
    (docs / "000_x.0.nt").write_text("<a> <b> .\n", encoding="utf-8")  # an object is missing
    with pytest.raises(GraphBuildError, match="merged graph"):
        export_merged(settings)
    assert not list(settings.path(settings.graph_dir).glob("policykg.*"))


def test_the_shards_kept_where_they_were_before_are_removed(graph: Settings) -> None:
    """The merged graph's shards moved to data/cache/graph/merged: the old ones are dropped."""
    graph_dir = graph.path(graph.graph_dir)
    old = graph_dir.parent / "cache" / graph_dir.name
    for name in ("shards", "docs"):
        (old / name).mkdir(parents=True)
        (old / name / "000001.nt").write_text("x")
    (old / "state.json").write_text("{}")
    (old / "import").mkdir()
    export_merged(graph)
    assert sorted(p.name for p in old.iterdir()) == ["import", "merged"]
    assert (graph_dir / "policykg.nt").is_file()
