"""PDF, Word and Excel files: the same plan gives the same facts as its text, with page, sheet and
row in the provenance; damaged, encrypted and oversized files are named and skipped or read in
bounded time."""

from __future__ import annotations

import io
import re
import shutil
import time
import tracemalloc
import zipfile

import pytest
from document_files import (
    DEADLINE_CELLS,
    RUNNING_HEADER,
    SEED,
    SEED_PATH,
    division_rows,
    docx_bytes,
    pdf_bytes,
    scanned_pdf_bytes,
    seed_lines,
    table_rows,
    target_rows,
    without_clauses,
    workbook_bytes,
)

from pipeline.errors import InputError
from pipeline.evaluate import _responsibility_triples, match_targets
from pipeline.facts import gold_record
from pipeline.ingest import ingest_bytes
from pipeline.ingest.formats import FileKind, read_layer, sniff
from pipeline.ingest.ocr import tesseract_ready

DIVISION_TITLE = "聊城市进一步完善医疗卫生服务体系重点任务分工表"


@pytest.fixture(scope="module")
def nlp():
    from pipeline.nlp import build_nlp

    return build_nlp()


def _facts(nlp, name: str, data: bytes):
    from pipeline.runner import process_raw

    documents, facts = process_raw(name, data, nlp)
    (record,) = gold_record(name, documents, facts)["documents"][:1]
    return record, documents[0], facts[0]


@pytest.fixture(scope="module")
def text_version(nlp):
    return _facts(nlp, SEED, SEED_PATH.read_bytes())


def _same_facts(got, want, *, targets: list | None = None) -> None:
    assert _responsibility_triples(got, {}) == _responsibility_triples(want, {})
    wanted = want["targets"] if targets is None else targets
    counts, (missed, spurious) = match_targets(wanted, got["targets"])
    assert (counts.fn, counts.fp) == (0, 0), (missed, spurious)


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", FileKind.PDF),
        (b"\r\n\r\n%PDF-1.7\n", FileKind.PDF),  # junk before the header
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"),
            FileKind.LEGACY_WORD,
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le"),
            FileKind.LEGACY_SHEET,
        ),
        (b"PK\x03\x04broken", FileKind.ZIP),
        ("一、总体要求".encode("gb18030"), FileKind.TEXT),
    ],
)
def test_sniff_reads_the_kind_from_the_bytes(data, kind):
    assert sniff(data) is kind


def test_sniff_ignores_the_file_name(text_version):
    """A Word file named .txt is read as Word."""
    articles = ingest_bytes("plan.txt", docx_bytes(seed_lines()))
    assert articles[0].source_format.value == "docx"
    assert articles[0].text == text_version[1].article.text.replace("· ", "")


# --------------------------------------------------------------------------- the plan in each format


def test_docx_gives_the_facts_of_the_text_version(nlp, text_version):
    data = docx_bytes(seed_lines())
    record, _document, facts = _facts(nlp, "plan.docx", data)
    _same_facts(record, text_version[0])
    # provenance names the paragraph, and that paragraph holds the fact's sentence
    import docx

    paragraphs = docx.Document(io.BytesIO(data)).paragraphs
    for target in facts.targets:
        number = int(re.fullmatch(r"paragraph (\d+)", target.provenance.location).group(1))
        assert target.provenance.sentence[:20] in paragraphs[number - 1].text
    assert facts.targets[0].provenance.where().startswith("plan.docx, paragraph ")


def test_pdf_gives_the_facts_of_the_text_version_with_pages(nlp, text_version):
    import pypdfium2 as pdfium

    data = pdf_bytes(seed_lines())
    record, document, facts = _facts(nlp, "plan.pdf", data)
    _same_facts(record, text_version[0])
    assert RUNNING_HEADER not in document.text and "— 2 —" not in document.text
    pdf = pdfium.PdfDocument(data)
    pages = [
        re.sub(
            rf"{RUNNING_HEADER}|—\d+—",
            "",
            re.sub(r"\s", "", pdf[i].get_textpage().get_text_range()),
        )
        for i in range(len(pdf))
    ]
    assert len(pages) > 3
    located = {int(r.provenance.location.removeprefix("page ")) for r in facts.responsibilities}
    assert len(located) > 3
    for resp in facts.responsibilities:
        page = int(resp.provenance.location.removeprefix("page "))
        # the mention starts on that page (it may run on to the next)
        assert resp.surface in pages[page - 1] or (pages[page - 1] + pages[page]).count(
            resp.surface
        ) > pages[page].count(resp.surface)


def test_division_table_in_word_gives_the_responsibilities_of_the_parentheses(nlp, text_version):
    rows = division_rows(text_version[2])
    data = docx_bytes(without_clauses(seed_lines()), table_rows(rows), DIVISION_TITLE)
    record, document, facts = _facts(nlp, "division.docx", data)
    assert "责任单位" not in document.text
    _same_facts(record, text_version[0])
    assert (
        len(document.article.tables) == 1 and len(document.article.tables[0].rows) == len(rows) + 1
    )
    import docx

    table = docx.Document(io.BytesIO(data)).tables[0]
    from_table = [r for r in facts.responsibilities if r.provenance.location.startswith("table 1")]
    assert len(from_table) == len(facts.responsibilities)
    for resp in from_table:
        row, column = map(
            int,
            re.fullmatch(r"table 1, row (\d+), column (\d+)", resp.provenance.location).groups(),
        )
        assert resp.surface in table.cell(row - 1, column - 1).text
        assert table.cell(row - 1, 1).text == resp.task_heading


def test_division_spreadsheet_gives_responsibilities_and_targets(nlp, text_version):
    import openpyxl

    targets = target_rows(text_version[2])
    data = workbook_bytes(
        {
            "分工表": (DIVISION_TITLE, table_rows(division_rows(text_version[2]))),
            "主要指标": ("聊城市医疗卫生服务体系主要指标", targets),
        }
    )
    record, _document, facts = _facts(nlp, "division.xlsx", data)
    due_2025 = [t for t in text_version[0]["targets"] if t["deadline"] == "2025"]
    assert len(due_2025) == len(targets) - 1
    _same_facts(record, text_version[0], targets=due_2025)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for fact in (*facts.responsibilities, *facts.targets):
        sheet, row, column = re.fullmatch(
            r"sheet (\S+), row (\d+), column ([A-Z]+)", fact.provenance.location
        ).groups()
        cell = workbook[sheet][f"{column}{row}"].value
        expected = fact.surface if hasattr(fact, "surface") else f"{fact.value:g}"
        assert expected in str(cell)


# --------------------------------------------------------------------------- a 分工表's deadlines

_CELLS = tuple(cell for cell, _label in DEADLINE_CELLS)
_LABELS = dict(DEADLINE_CELLS)


def _task_deadlines(facts) -> dict[str, tuple[str, str, str]]:
    from pipeline.analysis.trace import task_deadline_label

    return {
        d.task_heading: (task_deadline_label(d), d.deadline.text, d.provenance.location or "")
        for d in facts.task_deadlines
    }


def _wanted_deadlines(table: list[list[str]], location) -> dict[str, tuple[str, str, str]]:
    """Each row's task: the label its deadline cell reads as, the cell's words, where it stands."""
    return {
        row[1]: (_LABELS[row[4]], row[4], location(number))
        for number, row in enumerate(table, 1)
        if number > 1
    }


def _graph_deadlines(document, facts) -> dict[str, tuple[str, str, str]]:
    """The tasks' deadlines as the graph states them (label, words, the cell's location), after
    checking the graph against the SHACL shapes."""
    from pipeline.rdf.build import document_graph
    from pipeline.rdf.validate import validate_graph

    graph = document_graph(document, facts)
    report = validate_graph(graph)
    assert report.conforms, str(report)
    rows = graph.query(
        """PREFIX pk: <https://w3id.org/policykg/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?heading ?label ?words ?where WHERE {
          ?task a pk:Task ; pk:heading ?heading ; pk:hasDeadline/skos:prefLabel ?label ;
                pk:deadlineText ?words ; pk:deadlineSource/pk:sourceLocation ?where }"""
    )
    return {str(h): (str(label), str(w), str(where)) for h, label, w, where in rows}


def test_division_table_in_word_gives_each_task_its_deadline(nlp, text_version):
    table = table_rows(division_rows(text_version[2]), _CELLS)
    assert len(table) - 1 >= len(_CELLS)  # every kind of deadline cell is in the table
    data = docx_bytes(without_clauses(seed_lines()), table, DIVISION_TITLE)
    _record, document, facts = _facts(nlp, "division.docx", data)
    want = _wanted_deadlines(table, lambda row: f"table 1, row {row}, column 5")
    assert _task_deadlines(facts) == want
    # the deadline belongs to the task the row's bodies are responsible for
    assert {d.task_id for d in facts.task_deadlines} == {r.task_id for r in facts.responsibilities}
    assert {d.deadline.value for d in facts.task_deadlines} >= {"annual", None, "2025"}
    graph = _graph_deadlines(document, facts)
    assert {
        h: (label if label != "未定" else words, words, where)
        for h, (label, words, where) in graph.items()
    } == want
    assert {label for label, _words, _where in graph.values()} >= {"未定", "每年", "2025"}


def test_division_spreadsheet_gives_each_task_its_deadline(nlp, text_version):
    table = table_rows(division_rows(text_version[2]), _CELLS)
    data = workbook_bytes({"分工表": (DIVISION_TITLE, table)})
    _record, document, facts = _facts(nlp, "division.xlsx", data)
    # the title stands in row 1, the header in row 2: table row N is sheet row N + 1
    want = _wanted_deadlines(table, lambda row: f"sheet 分工表, row {row + 1}, column E")
    assert _task_deadlines(facts) == want
    assert _graph_deadlines(document, facts)[table[1][1]] == (
        "2025",
        table[1][4],
        want[table[1][1]][2],
    )


def test_html_division_table_gives_each_task_its_deadline(nlp, text_version):
    from html import escape

    table = table_rows(division_rows(text_version[2]), _CELLS)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in table
    )
    page = f"<html><body><p>{DIVISION_TITLE}</p><table>{body}</table></body></html>"
    _record, document, facts = _facts(nlp, "division.html", page.encode())
    assert len(document.article.tables) == 1
    assert _task_deadlines(facts) == _wanted_deadlines(table, lambda row: "")


def test_flattened_division_table_gives_the_deadlines_its_rows_end_with(nlp):
    """A 分工表 pasted as text (cells separated by spaces): a row's last word is its deadline when
    it reads as one."""
    text = (
        "聊城市重点任务分工表\n序号 重点任务 牵头单位 配合单位 完成时限\n"
        "1 推进紧密型县域医共体建设 市卫生健康委 市财政局 2025年底前\n"
        "2 加强公共卫生体系建设 市卫生健康委 市疾控中心 长期坚持\n"
        "3 开展健康教育 市卫生健康委 每年\n"
        "4 提升基层服务能力 市卫生健康委 市财政局\n"
    )
    _record, _document, facts = _facts(nlp, "division.txt", text.encode())
    assert {h: v[:2] for h, v in _task_deadlines(facts).items()} == {
        "推进紧密型县域医共体建设": ("2025", "2025年底前"),
        "加强公共卫生体系建设": ("长期坚持", "长期坚持"),
        "开展健康教育": ("每年", "每年"),
    }


def test_text_without_a_task_table_gives_no_task_deadlines(text_version):
    assert text_version[2].task_deadlines == ()


def test_table_cells_keep_their_column_role_whatever_spaces_they_hold(nlp):
    """Two lead bodies on two lines of one cell both lead (read as flat text, the second would
    look like the next column)."""
    table = [
        ["序号", "重点任务", "牵头单位", "配合单位", "完成时限"],
        [
            "1",
            "推进 紧密型县域医共体建设",
            "市卫生健康委\n市医疗保障局",
            "市财政局\n市发展改革委",
            "2025年底",
        ],
    ]
    data = docx_bytes(("聊城市进一步完善医疗卫生服务体系重点任务分工表",), table)
    record = _facts(nlp, "cells.docx", data)[0]
    (row,) = record["responsibilities"]
    assert row["task"] == "推进 紧密型县域医共体建设"
    assert (sorted(row["lead"]), sorted(row["support"])) == (
        ["聊城市医疗保障局", "聊城市卫生健康委员会"],
        ["聊城市发展和改革委员会", "聊城市财政局"],
    )


@pytest.mark.slow
@pytest.mark.skipif(
    tesseract_ready() is not None, reason=f"OCR: {tesseract_ready()} (make ocr installs it)"
)
def test_scanned_pdf_is_read_by_ocr_with_the_facts_of_its_text(nlp):
    lines = seed_lines()
    # the front matter and the first part of the plan: two pages, to keep OCR time short
    part = tuple(lines[: next(i for i, line in enumerate(lines) if line.startswith("(四)"))])
    text = _facts(nlp, "part.txt", "\n".join(part).encode())
    scan = scanned_pdf_bytes(pdf_bytes(part))
    assert read_layer(pdf_bytes(part)).hints == {}
    record, document, facts = _facts(nlp, "scan.pdf", scan)
    assert document.article.hints.get("ocr")
    assert record["responsibilities"] and record["targets"]
    _same_facts(record, text[0])
    assert {r.provenance.location for r in facts.responsibilities} <= {"page 1", "page 2"}


@pytest.mark.parametrize("kind", ["pdf", "docx", "xlsx"])
def test_offsets_map_back_into_the_text_the_reader_extracts(kind, text_version):
    from pipeline.ingest import normalise_fragment

    lines = seed_lines()
    data = {
        "pdf": lambda: pdf_bytes(lines),
        "docx": lambda: docx_bytes(lines),
        "xlsx": lambda: workbook_bytes(
            {"分工表": (DIVISION_TITLE, table_rows(division_rows(text_version[2])))}
        ),
    }[kind]()
    raw = read_layer(data).text
    (article,) = ingest_bytes(f"plan.{kind}", data)
    linear = [s for s in article.offsets.segments if s.linear]
    assert sum(s.clean_end - s.clean_start for s in linear) > 0.9 * len(article.text)
    for seg in linear:
        assert (
            normalise_fragment(raw[seg.raw_start : seg.raw_end])
            == article.text[seg.clean_start : seg.clean_end]
        )


def _legacy(tmp_path, name: str, data: bytes, target: str) -> bytes:
    """``data`` saved by LibreOffice in a legacy format (``doc``, ``xls``)."""
    import subprocess

    (tmp_path / name).write_bytes(data)
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(tmp_path / "out"),
            str(tmp_path / name),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    return (tmp_path / "out" / f"{name.rsplit('.', 1)[0]}.{target}").read_bytes()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_legacy_word_and_excel_files_are_read_through_libreoffice(nlp, text_version, tmp_path):
    doc = _legacy(tmp_path, "plan.docx", docx_bytes(seed_lines()), "doc")
    assert sniff(doc) is FileKind.LEGACY_WORD
    record, _document, _ = _facts(nlp, "plan.doc", doc)
    _same_facts(record, text_version[0])
    xls = _legacy(
        tmp_path,
        "division.xlsx",
        workbook_bytes({"分工表": (DIVISION_TITLE, table_rows(division_rows(text_version[2])))}),
        "xls",
    )
    assert sniff(xls) is FileKind.LEGACY_SHEET
    record, _document, facts = _facts(nlp, "division.xls", xls)
    assert _responsibility_triples(record, {}) == _responsibility_triples(text_version[0], {})
    assert facts.responsibilities[0].provenance.location.startswith("sheet 分工表, row ")


def test_scanned_pdf_without_ocr_says_what_to_install(monkeypatch):
    from pipeline.ingest import ocr

    monkeypatch.setattr(ocr, "tesseract_ready", lambda: "Tesseract is not installed")
    scan = scanned_pdf_bytes(pdf_bytes(seed_lines()[:3]), dpi=50)
    with pytest.raises(
        InputError,
        match=r"scan\.pdf: a scanned PDF .*Tesseract is not installed.*tesseract-ocr-chi-sim",
    ):
        ingest_bytes("scan.pdf", scan)


def test_html_table_keeps_rows_and_cells():
    raw = (
        "<html><body><p>聊城市重点任务分工表</p><table><tr><th>序号</th><th>重点任务</th><th>牵头单位</th></tr>"
        "<tr><td>1</td><td>科学配置医疗资源</td><td>市卫生健康委</td></tr></table></body></html>"
    )
    (article,) = ingest_bytes("page.html", raw.encode())
    (grid,) = article.tables
    assert [[article.text[c.start : c.end] for c in row] for row in grid.rows] == [
        ["序号", "重点任务", "牵头单位"],
        ["1", "科学配置医疗资源", "市卫生健康委"],
    ]


# --------------------------------------------------------------------------- bad files


def test_encrypted_pdf_is_named_and_skipped():
    data = pdf_bytes(seed_lines()[:20], encrypt="secret")
    with pytest.raises(InputError, match=r"secret\.pdf: the PDF is encrypted"):
        ingest_bytes("secret.pdf", data)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_word_file_is_named_and_skipped(cut):
    data = docx_bytes(seed_lines()[:20])
    with pytest.raises(InputError, match=r"broken\.docx: a damaged"):
        ingest_bytes("broken.docx", data[: int(len(data) * cut)])


def test_word_file_with_a_corrupt_part_is_named_and_skipped():
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(seed_lines()[:20])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, b"<w:document" if item.filename == "word/document.xml" else data)
    with pytest.raises(InputError, match=r"bad\.docx: a damaged Word \(DOCX\) file"):
        ingest_bytes("bad.docx", out.getvalue())


def test_other_zip_archives_are_named():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "正文")
    with pytest.raises(InputError, match="neither a Word"):
        ingest_bytes("files.zip", out.getvalue())


def test_legacy_word_file_without_libreoffice_says_what_to_install(monkeypatch):
    from pipeline.ingest import legacy

    monkeypatch.setattr(legacy, "soffice", lambda: None)
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le")
    with pytest.raises(
        InputError, match=r"old\.wps: a legacy Word or WPS document .*apt-get install libreoffice"
    ):
        ingest_bytes("old.wps", data)


def _sheet_with_empty_rows(rows: int) -> bytes:
    """A workbook claiming a million rows by 16 384 columns: one table row, then ``rows`` empty
    styled rows."""
    base = zipfile.ZipFile(
        io.BytesIO(workbook_bytes({"分工表": (DIVISION_TITLE, [["序号", "重点任务", "牵头单位"]])}))
    )
    empty = "".join(
        f'<row r="{r}"><c r="A{r}" s="0"/><c r="B{r}" s="0"/></row>' for r in range(3, rows + 3)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in base.infolist():
            data = base.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', text)
                data = text.replace("</sheetData>", empty + "</sheetData>").encode()
            target.writestr(item, data)
    return out.getvalue()


def test_spreadsheet_with_100000_empty_rows_is_read_in_bounded_time_and_memory():
    data = _sheet_with_empty_rows(100_000)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        (article,) = ingest_bytes("empty-rows.xlsx", data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 60
    assert peak < 150 * 2**20
    assert article.text.split("\n")[-1] == "序号 重点任务 牵头单位"


def test_pdf_of_500_pages_is_read_in_bounded_time():
    lines = tuple(
        f"第{n}条 各县(市、区)卫生健康部门加强基层医疗卫生服务能力建设。" for n in range(1, 18_501)
    )
    data = pdf_bytes(lines)
    started = time.perf_counter()
    layer = read_layer(data)
    assert time.perf_counter() - started < 60
    assert layer.locations[-1].page >= 500
    (article,) = ingest_bytes("long.pdf", data)
    assert "第18500条" in article.text and RUNNING_HEADER not in article.text


def test_a_run_over_a_folder_of_mixed_formats_skips_only_the_bad_files(tmp_path, text_version):
    from pipeline.config import Settings
    from pipeline.runner import run

    settings = Settings(root=tmp_path)
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    lines = seed_lines()
    (raw / SEED).write_bytes(SEED_PATH.read_bytes())
    (raw / "plan.docx").write_bytes(docx_bytes(lines))
    (raw / "plan.pdf").write_bytes(pdf_bytes(lines))
    (raw / "division.xlsx").write_bytes(
        workbook_bytes({"分工表": (DIVISION_TITLE, table_rows(division_rows(text_version[2])))})
    )
    (raw / "secret.pdf").write_bytes(pdf_bytes(lines[:5], encrypt="pw"))
    (raw / "broken.docx").write_bytes(docx_bytes(lines[:5])[:3000])
    summary = run(settings, load=False, analyse=False)
    assert sorted(s.source for s in summary.skipped) == ["broken.docx", "secret.pdf"]
    assert all(s.code == "E100" for s in summary.skipped)
    assert summary.documents == 4
    facts = sorted((tmp_path / "data" / "interim" / "facts").glob("*.json"))
    assert len(facts) == 4
    ttl = (tmp_path / "data" / "graph" / "policykg.nt").read_text(encoding="utf-8")
    assert "plan.pdf" in ttl and "division.xlsx" in ttl
    # trace cites the file with its page, sheet and row
    from pipeline.analysis.corpus import load_corpus
    from pipeline.analysis.trace import resolve_body_name, trace_body

    corpus = load_corpus(settings)
    trace = trace_body(resolve_body_name("市卫健委", corpus), corpus)
    where = {task.evidence.where.split(",")[0]: task.evidence.where for task in trace.tasks}
    assert re.fullmatch(r"plan\.pdf, page \d+", where["plan.pdf"])
    assert re.fullmatch(r"plan\.docx, paragraph \d+", where["plan.docx"])
    assert re.fullmatch(
        r"division\.xlsx, sheet 分工表, row \d+, column [CD]", where["division.xlsx"]
    )
    assert where[SEED] == SEED
    # and the task's deadline with the cell it was read from (table files only)
    due = {task.evidence.where.split(",")[0]: task for task in trace.tasks}
    assert due["division.xlsx"].deadline == "2025"
    assert due["division.xlsx"].deadline_evidence is not None
    assert re.fullmatch(
        r"division\.xlsx, sheet 分工表, row \d+, column E",
        due["division.xlsx"].deadline_evidence.where,
    )
    assert due["plan.docx"].deadline is None and due[SEED].deadline is None
