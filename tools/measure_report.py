"""Time the report's explorer in headless Chromium on a large corpus (numbers for docs/EXPLORER.md).

    .venv/bin/python tools/measure_report.py --root DIR      # records a `policykg run` left in DIR
    .venv/bin/python tools/measure_report.py --seed-copies 250   # the seed documents, 250 times over

Prints one JSON object: corpus size, build and page size, then in the browser the time until the
explorer is ready, its script's own time, the DOM size, and the time from a typed search to its
suggestions, from Enter to the drawn view, and from a filter change to the redrawn view.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def seed_copies(n: int) -> object:
    """The seed corpus ``n`` times, each copy its own documents (ids, titles and numbers)."""
    from analysis_records import seed_corpus

    from pipeline.analysis.corpus import Corpus

    seed = seed_corpus()
    docs, facts = [], []
    for i in range(n):
        for doc in seed.documents:
            meta = dataclasses.replace(
                doc.metadata,
                title=f"{doc.metadata.title or doc.doc_id}（第{i}份）",
                doc_number=f"{doc.metadata.doc_number}-{i}" if doc.metadata.doc_number else None,
            )
            article = dataclasses.replace(doc.article, doc_id=f"{doc.doc_id}~{i}")
            docs.append(dataclasses.replace(doc, article=article, metadata=meta))
        facts += [dataclasses.replace(f, doc_id=f"{f.doc_id}~{i}") for f in seed.facts]
    return Corpus.of(docs, facts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--root", type=Path, help="a project root whose data/interim holds built records"
    )
    group.add_argument("--seed-copies", type=int, help="copies of the seed documents")
    parser.add_argument("--search", default="卫生健康", help="text typed into the search box")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from pipeline.analysis import analyse
    from pipeline.analysis.corpus import load_corpus
    from pipeline.analysis.report import render_report, report_of
    from pipeline.config import Settings

    started = time.perf_counter()
    corpus = load_corpus(Settings(root=args.root)) if args.root else seed_copies(args.seed_copies)
    result = analyse(corpus)
    html = render_report(report_of(result))
    built = time.perf_counter() - started
    facts = sum(
        len(f.targets) + len(f.responsibilities) + len(f.programmes) for f in result.corpus.facts
    )
    out = Path(tempfile.mkdtemp()) / "index.html"
    out.write_text(html, encoding="utf-8")
    numbers: dict[str, object] = {
        "documents": len(result.corpus.relevant_documents()),
        "facts": facts,
        "targets": sum(len(f.targets) for f in result.corpus.facts),
        "responsibilities": sum(len(f.responsibilities) for f in result.corpus.facts),
        "build_s": round(built, 2),
        "page_mb": round(len(html.encode()) / 1e6, 2),
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.perf_counter()
        page.goto(out.as_uri() + "#today=2025-06-01")
        page.wait_for_selector("body[data-explorer=ready]")
        numbers["ready_s"] = round(time.perf_counter() - t0, 2)
        numbers["explorer_script_ms"] = int(page.get_attribute("body", "data-explorer-ms") or 0)
        numbers["dom_nodes"] = page.evaluate("document.getElementsByTagName('*').length")
        t0 = time.perf_counter()
        page.type("#explorer-search", args.search)
        page.wait_for_selector("#suggestions:not([hidden]) li a")
        numbers["typed_search_to_suggestions_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        page.press("#explorer-search", "Enter")
        page.wait_for_selector("#result-count")
        numbers["enter_to_view_s"] = round(time.perf_counter() - t0, 2)
        numbers["view"] = page.inner_text("#result-count")
        before = page.inner_text("#result-count")
        t0 = time.perf_counter()
        page.select_option("#filter-role", "support")
        page.wait_for_function(
            "t => document.querySelector('#result-count')?.textContent !== t", arg=before
        )
        numbers["filter_to_view_s"] = round(time.perf_counter() - t0, 2)
        browser.close()
    print(json.dumps(numbers, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
