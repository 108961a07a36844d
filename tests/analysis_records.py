"""Small literal corpora for the analysis unit tests (a fictional 临河市 implementing a national 意见)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipeline.analysis.corpus import Corpus
from pipeline.models import (
    Article,
    Body,
    Citation,
    CitationRelation,
    Comparator,
    Deadline,
    Document,
    DocumentFacts,
    DocumentMetadata,
    Level,
    OffsetMap,
    Provenance,
    Responsibility,
    Role,
    Section,
    SectionKind,
    SourceFormat,
    Target,
)

CITY = "临河市"
HEALTH = "临河市卫生健康委员会"
FINANCE = "临河市财政局"
INSURANCE = "临河市医疗保障局"
REFORM = "临河市发展和改革委员会"
NATIONAL_HEALTH = "国家卫生健康委员会"


def _article(doc_id: str, text: str) -> Article:
    return Article(
        doc_id,
        doc_id.split("#")[0] + ".txt",
        "0" * 64,
        0,
        text,
        OffsetMap.from_list([[0, len(text), 0, len(text)]]),
        "utf-8",
        SourceFormat.TEXT,
        True,
        1.0,
    )


def _sections(text: str, headings: list[tuple[str, str, SectionKind]]) -> tuple[Section, ...]:
    sections = []
    for section_id, heading, kind in headings:
        start = text.index(heading)
        parent = section_id.rsplit(".", 1)[0] if "." in section_id else None
        sections.append(
            Section(
                section_id,
                kind,
                "",
                1,
                heading,
                start,
                start + len(heading),
                start,
                start + len(heading),
                parent,
            )
        )
    return tuple(sections)


def _prov(doc_id: str, text: str, phrase: str) -> Provenance:
    start = text.index(phrase)
    end = start + len(phrase)
    sent_start = text.rfind("。", 0, start) + 1
    sent_end = text.find("。", end) + 1 or len(text)
    return Provenance(
        doc_id.split("#")[0] + ".txt",
        doc_id,
        start,
        end,
        start,
        end,
        text[sent_start:sent_end].strip(),
    )


def _target(
    doc_id: str,
    text: str,
    task: Section,
    indicator: str,
    comparator: Comparator,
    value: float,
    unit: str,
    year: int | None,
    phrase: str,
) -> Target:
    deadline = Deadline(f"到{year}年", str(year), year) if year else None
    return Target(
        task.section_id,
        task.heading,
        indicator,
        comparator,
        value,
        unit,
        deadline,
        _prov(doc_id, text, phrase),
    )


def national_document() -> tuple[Document, DocumentFacts]:
    doc_id = "901_national#0"
    text = (
        "关于进一步完善医疗卫生服务体系的意见\n一、总体要求\n到2025年，体系进一步健全。\n"
        "二、主要任务\n(一)推进县域医共体建设。县域内就诊率达到90%以上。\n"
        "(二)加强中医药服务体系建设。每个县办好中医医院。\n"
        "(三)提高家庭医生签约服务质量。重点人群签约率达到80%以上。\n"
    )
    sections = _sections(
        text,
        [
            ("p1", "总体要求", SectionKind.PART),
            ("p2", "主要任务", SectionKind.PART),
            ("p2.i1", "推进县域医共体建设", SectionKind.ITEM),
            ("p2.i2", "加强中医药服务体系建设", SectionKind.ITEM),
            ("p2.i3", "提高家庭医生签约服务质量", SectionKind.ITEM),
        ],
    )
    meta = DocumentMetadata(
        "关于进一步完善医疗卫生服务体系的意见",
        None,
        ("中共中央办公厅", "国务院办公厅"),
        "2023-03-23",
        Level.NATIONAL,
        "全国",
        "意见",
        "2025",
    )
    doc = Document(_article(doc_id, text), meta, (), sections)
    targets = (
        _target(
            doc_id,
            text,
            sections[2],
            "县域内就诊率",
            Comparator.GE,
            90,
            "%",
            2025,
            "县域内就诊率达到90%以上",
        ),
        _target(
            doc_id,
            text,
            sections[4],
            "重点人群签约率",
            Comparator.GE,
            80,
            "%",
            2025,
            "重点人群签约率达到80%以上",
        ),
    )
    facts = DocumentFacts(
        doc_id, doc.article.source, ("中共中央办公厅", "国务院办公厅"), (), (), (), (), targets, ()
    )
    return doc, facts


def city_document() -> tuple[Document, DocumentFacts]:
    doc_id = "902_city#0"
    text = (
        "临河市进一步完善医疗卫生服务体系的实施方案\n"
        "为贯彻落实《中共中央办公厅 国务院办公厅印发〈关于进一步完善医疗卫生服务体系的意见〉的通知》"
        "(中办发〔2023〕10号)，制定本方案。\n一、总体要求\n到2025年，体系更加完善。\n二、重点任务\n"
        "(一)全面推进紧密型县域医共体建设。到2025年县域内就诊率达到92%以上。"
        "(责任单位：市卫生健康委、市财政局、市医保局，列第一位者为牵头单位)\n"
        "(二)完善中医药服务体系。到2026年县级中医医院达到二级甲等水平的比例达到100%。(市卫生健康委牵头，市发展改革委配合)\n"
        "(三)做实家庭医生签约服务。到2025年重点人群签约率达到85%以上。(市医保局、市卫生健康委按职责分工负责)\n"
        "(四)深化人事薪酬制度改革。(市财政局牵头，市卫生健康委配合)\n"
    )
    sections = _sections(
        text,
        [
            ("p1", "总体要求", SectionKind.PART),
            ("p2", "重点任务", SectionKind.PART),
            ("p2.i1", "全面推进紧密型县域医共体建设", SectionKind.ITEM),
            ("p2.i2", "完善中医药服务体系", SectionKind.ITEM),
            ("p2.i3", "做实家庭医生签约服务", SectionKind.ITEM),
            ("p2.i4", "深化人事薪酬制度改革", SectionKind.ITEM),
        ],
    )
    citation_at = text.index("《中共中央")
    citations = (
        Citation(
            "中共中央办公厅 国务院办公厅印发〈关于进一步完善医疗卫生服务体系的意见〉的通知",
            "中办发〔2023〕10号",
            CitationRelation.IMPLEMENTS,
            citation_at,
            citation_at + 10,
        ),
    )
    meta = DocumentMetadata(
        "临河市进一步完善医疗卫生服务体系的实施方案",
        None,
        (HEALTH,),
        "2024-03-05",
        Level.MUNICIPAL,
        CITY,
        "实施方案",
        "2025",
    )
    doc = Document(_article(doc_id, text), meta, citations, sections)
    i1, i2, i3, i4 = sections[2:]

    def resp(task: Section, body: str, role: Role, surface: str, phrase: str) -> Responsibility:
        return Responsibility(
            task.section_id, task.heading, body, role, surface, _prov(doc_id, text, phrase)
        )

    responsibilities = (
        resp(i1, HEALTH, Role.LEAD, "市卫生健康委", "责任单位：市卫生健康委"),
        resp(i1, FINANCE, Role.SUPPORT, "市财政局", "市财政局、市医保局，列第一位者"),
        resp(i1, INSURANCE, Role.SUPPORT, "市医保局", "市医保局，列第一位者"),
        resp(i2, HEALTH, Role.LEAD, "市卫生健康委", "市卫生健康委牵头"),
        resp(i2, REFORM, Role.SUPPORT, "市发展改革委", "市发展改革委配合"),
        resp(i3, INSURANCE, Role.LEAD, "市医保局", "市医保局、市卫生健康委按职责分工负责"),
        resp(i3, HEALTH, Role.LEAD, "市卫生健康委", "市卫生健康委按职责分工负责"),
        resp(i4, FINANCE, Role.LEAD, "市财政局", "市财政局牵头"),
        resp(i4, HEALTH, Role.SUPPORT, "市卫生健康委", "市卫生健康委配合"),
    )
    targets = (
        _target(
            doc_id,
            text,
            i1,
            "县域内就诊率",
            Comparator.GE,
            92,
            "%",
            2025,
            "县域内就诊率达到92%以上",
        ),
        _target(
            doc_id,
            text,
            i2,
            "县级中医医院达到二级甲等水平的比例",
            Comparator.EQ,
            100,
            "%",
            2026,
            "县级中医医院达到二级甲等水平的比例达到100%",
        ),
        _target(
            doc_id,
            text,
            i3,
            "重点人群签约率",
            Comparator.GE,
            85,
            "%",
            2025,
            "重点人群签约率达到85%以上",
        ),
    )
    bodies = (
        Body(
            HEALTH, Level.MUNICIPAL, CITY, "department", ("市卫生健康委", "市卫健委", "卫生健康委")
        ),
        Body(FINANCE, Level.MUNICIPAL, CITY, "department", ("市财政局",)),
        Body(INSURANCE, Level.MUNICIPAL, CITY, "department", ("市医保局", "市医疗保障局")),
        Body(REFORM, Level.MUNICIPAL, CITY, "department", ("市发展改革委", "市发改委")),
    )
    facts = DocumentFacts(
        doc_id, doc.article.source, (HEALTH,), bodies, (), (), responsibilities, targets, ()
    )
    return doc, facts


def news_document() -> tuple[Document, DocumentFacts]:
    """A national commission's article: a second 卫生健康委员会 in the corpus."""
    doc_id = "903_news#0"
    text = "国家卫生健康委员会：加快建设分级诊疗体系。到2025年，县域医共体覆盖90%以上的县。"
    meta = DocumentMetadata(
        "加快建设分级诊疗体系",
        None,
        (NATIONAL_HEALTH,),
        "2024-11-20",
        Level.NATIONAL,
        "全国",
        "新闻",
        None,
    )
    doc = Document(_article(doc_id, text), meta, (), ())
    bodies = (
        Body(
            NATIONAL_HEALTH, Level.NATIONAL, "全国", "department", ("国家卫生健康委", "国家卫健委")
        ),
    )
    target = Target(
        None,
        None,
        "县域医共体覆盖的县",
        Comparator.GE,
        90,
        "%",
        Deadline("到2025年", "2025", 2025),
        _prov(doc_id, text, "县域医共体覆盖90%以上的县"),
    )
    facts = DocumentFacts(
        doc_id, doc.article.source, (NATIONAL_HEALTH,), bodies, (), (), (), (target,), ()
    )
    return doc, facts


def literal_corpus() -> Corpus:
    pairs = [national_document(), city_document(), news_document()]
    return Corpus.of([d for d, _ in pairs], [f for _, f in pairs])


_SEED: dict[str, Corpus] = {}


def seed_corpus() -> Corpus:
    """The seed documents of ``data/raw`` run through the real ingest → structure → extract stages
    (built once per test session)."""
    if "seed" not in _SEED:
        from pipeline.config import Settings
        from pipeline.runner import _nlp_for, process_raw

        settings = Settings()
        nlp = _nlp_for(settings)
        documents, facts = [], []
        for path in sorted(settings.path(settings.raw_dir).glob("*")):
            if path.is_file():
                docs, file_facts = process_raw(path.name, path.read_bytes(), nlp)
                documents.extend(docs)
                facts.extend(file_facts)
        _SEED["seed"] = Corpus.of(documents, facts)
    return _SEED["seed"]


POLICYKG = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "policykg"


def run_cli(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``policykg ARGS`` as a user runs it (a real process), with ``POLICYKG_ROOT=root``."""
    env = {**os.environ, "POLICYKG_ROOT": str(root), **(env or {})}
    command = [str(POLICYKG)] if POLICYKG.exists() else [sys.executable, "-m", "pipeline.cli"]
    return subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=120)
