"""The structure stage on the real seed documents (via the real ingest) and on small sentences."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import StructureError
from pipeline.facts import cite_keys
from pipeline.ingest import ingest_bytes
from pipeline.models import (
    Article,
    CitationRelation,
    Document,
    Level,
    OffsetMap,
    SectionKind,
    SourceFormat,
    from_jsonable,
    to_jsonable,
)
from pipeline.structure import structure_article, structure_articles
from pipeline.structure.citations import find_citations, title_key
from pipeline.structure.hierarchy import build_sections
from pipeline.structure.metadata import jurisdiction_of, split_bodies
from pipeline.structure.text import normalise_doc_number, parse_run_together_date, sentence_spans

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
EVAL = ROOT.parent / "shared" / "eval"
GOLD = EVAL / "dev" / "gold"
SEEDS = sorted(p.name for p in RAW.glob("*.txt"))

needs_gold = pytest.mark.skipif(not GOLD.is_dir(), reason="shared/eval/dev/gold not available")


@cache
def documents(name: str) -> tuple[Document, ...]:
    """Documents of one seed file, through the real ingest stage."""
    return structure_articles(ingest_bytes(name, (RAW / name).read_bytes()))


def relevant(name: str) -> Document:
    (doc,) = [d for d in documents(name) if d.article.relevant]
    return doc


def article(text: str, relevant: bool = True, **hints: str) -> Article:
    """A hand-made article for unit tests."""
    return Article(
        doc_id="t#0",
        source="t.txt",
        source_sha256="0",
        index=0,
        text=text,
        offsets=OffsetMap(()),
        encoding="utf-8",
        source_format=SourceFormat.TEXT,
        relevant=relevant,
        relevance_score=1.0 if relevant else 0.0,
        hints=dict(hints),
    )


def seed(prefix: str) -> str:
    return next(name for name in SEEDS if name.startswith(prefix))


# --------------------------------------------------------------------------- metadata vs gold


def _aliases() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in (EVAL / "bodies.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            canonical, aliases = line.split("\t")[:2]
            table[canonical] = canonical
            table.update({a: canonical for a in aliases.split("|") if a})
    return table


def _predicted_fields(doc: Document) -> dict[str, object]:
    meta = doc.metadata
    return {
        "title": meta.title,
        "doc_number": meta.doc_number,
        "date": meta.date,
        "level": meta.level.value if meta.level else None,
        "jurisdiction": meta.jurisdiction,
        "issuers": set(meta.issuer_names),
        "cites": set(cite_keys(doc.citations)),
    }


@needs_gold
def test_metadata_matches_gold_on_seed_documents() -> None:
    aliases = _aliases()
    right = total = 0
    wrong = []
    for name in SEEDS:
        gold = [
            g
            for g in json.loads((GOLD / f"{name}.json").read_text(encoding="utf-8"))["documents"]
            if g["relevant"]
        ]
        for g in gold:
            doc = relevant(name)
            pred = _predicted_fields(doc)
            pred["issuers"] = {aliases.get(b, b) for b in pred["issuers"]}  # type: ignore[union-attr]
            for field in (
                "title",
                "doc_number",
                "date",
                "level",
                "jurisdiction",
                "issuers",
                "cites",
            ):
                expected = set(g[field]) if field in ("issuers", "cites") else g[field]
                total += 1
                if pred[field] == expected:
                    right += 1
                else:
                    wrong.append((name, field, expected, pred[field]))
    assert total == 35
    assert right / total >= 0.9, wrong


@needs_gold
@pytest.mark.parametrize("prefix", ["000", "001"])
def test_irrelevant_titles_match_gold(prefix: str) -> None:
    name = seed(prefix)
    gold = [
        g["title"]
        for g in json.loads((GOLD / f"{name}.json").read_text(encoding="utf-8"))["documents"]
        if not g["relevant"]
    ]
    predicted = [d.metadata.title for d in documents(name) if not d.article.relevant]
    assert predicted == gold


@pytest.mark.parametrize(
    ("prefix", "title", "number", "date", "jurisdiction"),
    [
        ("000", "关于进一步完善医疗卫生服务体系的意见", None, None, "全国"),
        ("001", "关于进一步完善医疗卫生服务体系的意见", None, "2023-03-23", "全国"),
        ("002", "“十四五”国民健康规划", "国办发〔2022〕11号", "2022-04-27", "全国"),
        ("003", "聊城市进一步完善医疗卫生服务体系的实施方案", None, "2024-03-05", "聊城市"),
        (
            "004",
            "以基层为重点加快建设分级诊疗体系 为群众提供就近就便系统连续的卫生健康服务",
            None,
            "2024-11-20",
            "全国",
        ),
    ],
)
def test_structure_article_metadata_of_seed(
    prefix: str, title: str, number: str | None, date: str | None, jurisdiction: str
) -> None:
    meta = relevant(seed(prefix)).metadata
    assert (meta.title, meta.doc_number, meta.date, meta.jurisdiction) == (
        title,
        number,
        date,
        jurisdiction,
    )


@pytest.mark.parametrize(
    ("prefix", "issuers", "doc_type", "period_end"),
    [
        ("000", ("中共中央办公厅", "国务院办公厅"), "意见", None),
        ("002", ("国务院办公厅",), "规划", "2025"),
        ("003", ("聊城市卫生健康委员会",), "实施方案", None),
        ("004", ("国家卫生健康委",), "讲话/文章", None),
    ],
)
def test_structure_article_issuers_type_and_period(
    prefix: str, issuers: tuple[str, ...], doc_type: str, period_end: str | None
) -> None:
    meta = relevant(seed(prefix)).metadata
    assert (meta.issuer_names, meta.doc_type, meta.plan_period_end) == (
        issuers,
        doc_type,
        period_end,
    )


def test_structure_article_level_of_municipal_plan() -> None:
    assert relevant(seed("003")).metadata.level is Level.MUNICIPAL


def test_structure_article_dateline_year_comes_from_the_page() -> None:
    doc = relevant(seed("001"))
    assert structure_article(doc.article).metadata.date is None  # alone, month/day only
    assert (
        structure_articles([d.article for d in documents(seed("001"))])[0].metadata.date
        == "2023-03-23"
    )


def test_structure_article_front_matter_date_is_weaker_than_signature() -> None:
    doc = relevant(seed("002"))
    assert doc.article.hints.get("date", "").startswith("2022-05-20")
    assert doc.metadata.date == "2022-04-27"


def test_structure_article_irrelevant_has_only_title() -> None:
    doc = next(d for d in documents(seed("001")) if not d.article.relevant)
    meta = doc.metadata
    assert meta.title and (meta.issuer_names, meta.date, meta.level, doc.citations) == (
        (),
        None,
        None,
        (),
    )


# --------------------------------------------------------------------------- citations


def test_citations_merge_spellings_and_keep_numbers() -> None:
    cites = relevant(seed("003")).citations
    assert [(c.doc_number, c.relation) for c in cites] == [
        ("中办发〔2023〕10号", CitationRelation.IMPLEMENTS),
        ("鲁政办字〔2023〕202号", CitationRelation.IMPLEMENTS),
    ]


def test_citations_of_plan_exclude_itself_and_mark_basis() -> None:
    doc = relevant(seed("002"))
    by_title = {c.title: c.relation for c in doc.citations}
    assert "“十四五”国民健康规划" not in by_title
    assert by_title["“健康中国2030”规划纲要"] is CitationRelation.IMPLEMENTS
    assert by_title["关于实施健康中国行动的意见"] is CitationRelation.CITES
    assert len(doc.citations) == 4


def test_citations_skip_periodical_source_line() -> None:
    doc = relevant(seed("004"))
    assert [c.title for c in doc.citations] == [
        "中共中央关于进一步全面深化改革、推进中国式现代化的决定"
    ]
    assert all("旗帜" not in (c.title or "") for c in doc.citations)


def test_citations_offsets_point_at_the_mention() -> None:
    doc = relevant(seed("003"))
    for c in doc.citations:
        assert doc.text[c.start] == "《" and doc.text[c.end - 1] == "》"


def test_find_citations_on_own_sentences() -> None:
    text = (
        "根据《某省卫生健康条例》和《某省人民政府关于印发〈某省健康行动方案〉的通知》(某政发[2021]3号),制定本方案。"
        "《方案》自印发之日起施行。会议学习了《某省健康行动方案》(某政发〔2021〕3号)。来源:《求是》2024年第3期"
    )
    cites = find_citations(text, "某市健康行动实施方案")
    assert [(c.title, c.doc_number, c.relation.value) for c in cites] == [
        ("某省卫生健康条例", None, "implements"),
        ("某省人民政府关于印发《某省健康行动方案》的通知", "某政发〔2021〕3号", "implements"),
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "中共中央办公厅 国务院办公厅印发〈关于进一步完善医疗卫生服务体系的意见〉的通知",
            "中共中央办公厅国务院办公厅关于进一步完善医疗卫生服务体系的意见",
        ),
        (
            "某省人民政府办公厅关于印发某省实施方案的通知",
            "某省人民政府办公厅关于印发〈某省实施方案〉的通知",
        ),
    ],
)
def test_title_key_matches_spellings(a: str, b: str) -> None:
    assert title_key(a) == title_key(b)


# --------------------------------------------------------------------------- hierarchy


def test_hierarchy_of_003_stops_at_drafting_note() -> None:
    doc = relevant(seed("003"))
    parts = [s for s in doc.sections if s.kind is SectionKind.PART]
    items = [s for s in doc.sections if s.kind is SectionKind.ITEM]
    assert [p.section_id for p in parts] == [f"p{i}" for i in range(1, 8)]
    # 6 + 4 + 4 + 3 + 6 + 4 items under parts 二 to 七 (the raw text numbers 27).
    assert [sum(1 for i in items if i.parent_id == p.section_id) for p in parts] == [
        0,
        6,
        4,
        4,
        3,
        6,
        4,
    ]
    note = doc.text.index("起草背景")
    assert all(s.end <= note for s in doc.sections)
    assert parts[-1].heading == "组织实施"


def test_hierarchy_items_keep_unmarked_sub_paragraphs() -> None:
    doc = relevant(seed("002"))
    item = next(s for s in doc.sections if s.heading == "普及健康生活方式")
    assert item.section_id == "p4.i1" and item.parent_id == "p4"
    bodies = [doc.text[p.start : p.end] for p in item.paragraphs]
    assert bodies[1].startswith("加强健康促进与教育。") and len(bodies) == 4


def test_hierarchy_continuation_starts_mid_item() -> None:
    doc = relevant(seed("000"))
    assert doc.sections[0].section_id == "i2" and doc.sections[0].heading == "工作目标"
    assert (
        next(s.heading for s in doc.sections if s.kind is SectionKind.PART)
        == "优化资源配置,加强人才队伍建设,推进现代化"
    )


def test_hierarchy_headings_match_their_spans() -> None:
    for name in SEEDS:
        doc = relevant(name)
        for s in doc.sections:
            assert doc.text[s.heading_start : s.heading_end] == s.heading
            assert s.start <= s.heading_start <= s.heading_end <= s.end
            assert all(s.start <= p.start < p.end <= s.end for p in s.paragraphs)


def test_hierarchy_unmarked_headings_of_an_article() -> None:
    doc = relevant(seed("004"))
    assert len(doc.sections) == 4
    assert doc.sections[2].heading.startswith("围绕“日常疾病在基层解决”")


def test_build_sections_on_own_text() -> None:
    text = (
        "一、总体目标\n到2030年,建成体系。\n二、重点任务\n（一）加强基层。做好工作。\n1.建设社区医院。内容。\n"
        "(2)培养人才;\n②改善条件。\n(二)强化保障。\n三、组织实施\n一、附件说明\n(一)不计入。"
    )
    sections = build_sections(text)
    assert [(s.section_id, s.heading) for s in sections] == [
        ("p1", "总体目标"),
        ("p2", "重点任务"),
        ("p2.i1", "加强基层"),
        ("p2.i1.s1", "建设社区医院"),
        ("p2.i1.s2", "培养人才"),
        ("p2.i1.s2_2", "改善条件"),
        ("p2.i2", "强化保障"),
        ("p3", "组织实施"),
    ]
    assert text[sections[-1].start : sections[-1].end] == "三、组织实施"


# --------------------------------------------------------------------------- helpers and errors


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("国办发〔2022〕11号", "国办发〔2022〕11号"),
        ("(鲁政办字[2023] 202号)", "鲁政办字〔2023〕202号"),
        ("京卫发【2024】5号", "京卫发〔2024〕5号"),
        ("2024年", None),
    ],
)
def test_normalise_doc_number(raw: str, expected: str | None) -> None:
    assert normalise_doc_number(raw) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("聊城市卫生健康委员会", (Level.MUNICIPAL, "聊城市")),
        ("山东省人民政府办公厅", (Level.PROVINCIAL, "山东省")),
        ("聊城市东昌府区卫生健康局", (Level.COUNTY, "东昌府区")),
        ("中共中央办公厅", (Level.NATIONAL, "全国")),
        ("国家卫生健康委", (Level.NATIONAL, "全国")),
        ("某某县人民政府", (Level.COUNTY, "某某县")),
        ("卫生健康局", None),
        # The place table: county-level cities, 自治州, districts of a municipality, 盟, 旗.
        ("阳春市人民政府", (Level.COUNTY, "阳春市")),
        ("阳江市阳春市卫生健康局", (Level.COUNTY, "阳春市")),
        # An autonomous prefecture goes by its 州 form, written in full or short.
        ("黔南布依族苗族自治州人民政府办公室", (Level.MUNICIPAL, "黔南州")),
        ("黔南州人民政府办公室", (Level.MUNICIPAL, "黔南州")),
        ("化隆县卫生健康局", (Level.COUNTY, "化隆县")),
        ("海南州卫生健康委员会", (Level.MUNICIPAL, "海南州")),
        ("化隆县人民政府", (Level.COUNTY, "化隆县")),
        ("重庆市北碚区人民政府办公室", (Level.COUNTY, "北碚区")),
        ("阿拉善盟卫生健康委员会", (Level.MUNICIPAL, "阿拉善盟")),
        ("达拉特旗人民政府", (Level.COUNTY, "达拉特旗")),
        ("内蒙古自治区卫生健康委员会", (Level.PROVINCIAL, "内蒙古自治区")),
        # National bodies come from the national rows of bodies.tsv.
        ("退役军人事务部", (Level.NATIONAL, "全国")),
        ("共青团中央", (Level.NATIONAL, "全国")),
        ("市场监管总局", (Level.NATIONAL, "全国")),
    ],
)
def test_jurisdiction_of(name: str, expected: tuple[Level, str] | None) -> None:
    assert jurisdiction_of(name) == expected


def test_structure_lexicon_reads_the_one_place_table() -> None:
    from pipeline.structure.lexicon import structure_lexicon

    places = {j.name: j for j in structure_lexicon().jurisdictions}
    assert len(places) > 3000
    assert (places["阳春市"].level, places["阳春市"].province) == (Level.COUNTY, "广东省")
    assert (places["黔南布依族苗族自治州"].short, places["黔南布依族苗族自治州"].province) == (
        "黔南州",
        "贵州省",
    )
    assert not (ROOT / "pipeline" / "resources" / "jurisdictions.tsv").exists()


def test_structure_article_national_department_notice() -> None:
    text = (
        "退役军人事务部 国家卫生健康委关于加强退役军人医疗保障工作的通知\n退役军人部发〔2024〕3号\n"
        "各省、自治区、直辖市退役军人事务厅(局)、卫生健康委:\n现就有关工作通知如下。\n"
        "退役军人事务部 国家卫生健康委\n2024年3月5日\n一、总体要求\n(一)目标。到2025年,建成体系。"
    )
    meta = structure_article(article(text)).metadata
    assert (meta.level, meta.jurisdiction) == (Level.NATIONAL, "全国")
    assert meta.issuer_names[0] == "退役军人事务部"


def test_structure_article_county_level_city_notice() -> None:
    text = (
        "阳春市人民政府办公室关于印发阳春市卫生健康事业发展规划的通知\n现将规划印发给你们。\n"
        "阳春市人民政府办公室\n2023年12月6日"
    )
    meta = structure_article(article(text)).metadata
    assert (meta.level, meta.jurisdiction) == (Level.COUNTY, "阳春市")


def test_split_bodies_rejects_non_bodies() -> None:
    assert split_bodies("中共中央办公厅 国务院办公厅") == ("中共中央办公厅", "国务院办公厅")
    assert split_bodies("现印发给你们") == ()


def test_parse_run_together_date_uses_known_dates() -> None:
    assert parse_run_together_date("202435") == "2024-03-05"
    assert parse_run_together_date("2024112", ("2024-11-02",)) == "2024-11-02"


def test_sentence_spans_split_on_punctuation_and_lines() -> None:
    text = "第一句。第二句;第三句!\n标题\n“引语。”后文"
    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "第一句。",
        "第二句;",
        "第三句!",
        "标题",
        "“引语。”",
        "后文",
    ]


def test_structure_article_on_own_notice() -> None:
    text = (
        "某某市人民政府办公室关于印发某某市健康促进行动方案(2023—2027年)的通知\n某政办发〔2023〕7号\n"
        "各县(市、区)人民政府:\n《某某市健康促进行动方案(2023—2027年)》已经市政府同意,现印发给你们。\n"
        "某某市人民政府办公室\n2023年5月6日\n一、总体要求\n(一)目标。到2027年,建成体系。"
    )
    meta = structure_article(article(text)).metadata
    assert meta.title == "某某市健康促进行动方案(2023—2027年)"
    assert (meta.doc_number, meta.issuer_names, meta.date) == (
        "某政办发〔2023〕7号",
        ("某某市人民政府办公室",),
        "2023-05-06",
    )
    assert (meta.level, meta.jurisdiction, meta.doc_type, meta.plan_period_end) == (
        Level.MUNICIPAL,
        "某某市",
        "实施方案",
        "2027",
    )


def test_structure_article_empty_text_names_the_file() -> None:
    with pytest.raises(StructureError, match="t.txt"):
        structure_article(article("   "))


def test_document_round_trips_through_json() -> None:
    doc = relevant(seed("003"))
    assert (
        from_jsonable(Document, json.loads(json.dumps(to_jsonable(doc), ensure_ascii=False))) == doc
    )


def test_structure_cli_writes_documents(tmp_path: Path) -> None:
    from pipeline.cli.structure_cmd import structure_dir
    from pipeline.store import record_path, write_json

    for a in [d.article for d in documents(seed("003"))]:
        write_json(record_path(tmp_path / "articles", a.doc_id), a)
    rows = structure_dir(tmp_path, tmp_path)
    written = sorted(p.name for p in (tmp_path / "documents").glob("*.json"))
    assert written == [f"{Path(seed('003')).stem}.0.json"]
    assert rows[0]["jurisdiction"] == "聊城市"


def test_structure_cli_missing_articles_dir(tmp_path: Path) -> None:
    from pipeline.cli.structure_cmd import structure_dir

    with pytest.raises(StructureError, match="articles"):
        structure_dir(tmp_path, tmp_path)


def test_structure_article_joint_signature_and_fuller_title() -> None:
    text = (
        "关于印发医疗服务能力提升行动计划的通知\n国卫医政发[2024]12号\n各省、自治区、直辖市卫生健康委:\n"
        "现将《医疗服务能力提升行动计划(2024—2027年)》印发给你们。\n国家卫生健康委\n国家发展改革委\n财政部\n2024年5月8日\n"
        "一、总体要求\n(一)目标。按照《某某条例》要求推进。"
    )
    doc = structure_article(article(text))
    meta = doc.metadata
    assert meta.title == "医疗服务能力提升行动计划(2024—2027年)" and meta.plan_period_end == "2027"
    assert meta.issuer_names == ("国家卫生健康委", "国家发展改革委", "财政部")
    assert (meta.doc_number, meta.date, meta.level) == (
        "国卫医政发〔2024〕12号",
        "2024-05-08",
        Level.NATIONAL,
    )
    assert [c.title for c in doc.citations] == ["某某条例"]


def test_structure_article_consultation_page_with_site_title() -> None:
    text = (
        "关于公开征求《某某市医疗机构设置规划(2021-2025年)(征求意见稿)》意见的通知\n"
        "我委起草了《某某市医疗机构设置规划(2021-2025年)(征求意见稿)》,现公开征求意见。征求意见时间:2021年8月1日至8月31日。"
    )
    title = "关于公开征求《某某市医疗机构设置规划(2021-2025年)(征求意见稿)》意见的通知 - 某某市卫生健康委员会"
    meta = structure_article(article(text, title=title)).metadata
    assert (meta.title, meta.date, meta.plan_period_end) == (
        "某某市医疗机构设置规划(2021-2025年)",
        "2021-08-01",
        "2025",
    )


def test_structure_article_county_notice_with_chinese_numeral_date() -> None:
    text = "某某县人民政府办公室关于印发某某县卫生健康事业发展规划的通知\n现将规划印发给你们。\n某某县人民政府办公室\n二〇二三年十二月六日"
    meta = structure_article(article(text)).metadata
    assert (meta.title, meta.date, meta.level, meta.jurisdiction) == (
        "某某县卫生健康事业发展规划",
        "2023-12-06",
        Level.COUNTY,
        "某某县",
    )


def test_structure_article_finds_mid_text_headline_without_hints() -> None:
    import dataclasses

    bare = dataclasses.replace(relevant(seed("000")).article, hints={})
    meta = structure_article(bare).metadata
    assert (meta.title, meta.issuer_names) == (
        "关于进一步完善医疗卫生服务体系的意见",
        ("中共中央办公厅", "国务院办公厅"),
    )


def test_build_sections_chapters_restart_part_numbers() -> None:
    text = "第一章 总则\n一、目的\n二、范围\n第二章 任务\n一、建设\n(一)加强基层。"
    assert [s.section_id for s in build_sections(text)] == ["p1", "p2", "p1_2", "p1_2.i1"]


def test_structure_cli_removes_stale_documents(tmp_path: Path) -> None:
    from pipeline.cli.structure_cmd import structure_dir
    from pipeline.store import record_path, write_json

    stem = Path(seed("003")).stem
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / f"{stem}.7.json").write_text("{}", encoding="utf-8")
    for a in [d.article for d in documents(seed("003"))]:
        write_json(record_path(tmp_path / "articles", a.doc_id), a)
    structure_dir(tmp_path, tmp_path)
    assert sorted(p.name for p in (tmp_path / "documents").glob("*.json")) == [f"{stem}.0.json"]


def test_structure_article_metadata_table_and_implied_province() -> None:
    text = (
        "某某工作方案\n发文机关:省卫生健康委\n发文字号:某卫发〔2024〕3号\n成文日期:2024年02月01日\n"
        "为落实《河南省全民健康条例》(以下简称《条例》),结合河南省实际,制定本方案。河南省各地要认真执行。"
    )
    doc = structure_article(article(text, headline="某某工作方案"))
    meta = doc.metadata
    assert (meta.issuer_names, meta.doc_number, meta.date) == (
        ("省卫生健康委",),
        "某卫发〔2024〕3号",
        "2024-02-01",
    )
    assert (meta.level, meta.jurisdiction) == (Level.PROVINCIAL, "河南省")
    assert [(c.title, c.relation.value) for c in doc.citations] == [
        ("河南省全民健康条例", "implements")
    ]


def test_structure_article_provincial_notice_without_signature() -> None:
    text = (
        "河北省人民政府办公厅关于印发河北省“十四五”卫生健康事业发展规划的通知\n"
        "冀政办字〔2021〕160号\n各市人民政府，省政府各部门：\n"
        "现将《河北省“十四五”卫生健康事业发展规划》印发给你们，请认真组织实施。\n2021年11月26日\n"
        "河北省“十四五”卫生健康事业发展规划\n一、主要任务\n(一)完善公共卫生服务体系。加强医疗卫生机构建设和医疗保障。\n"
    )
    (doc,) = structure_articles(ingest_bytes("hebei.txt", text.encode("utf-8")))
    meta = doc.metadata
    assert (meta.title, meta.doc_number, meta.date) == (
        "河北省“十四五”卫生健康事业发展规划",
        "冀政办字〔2021〕160号",
        "2021-11-26",
    )
    assert (meta.level, meta.jurisdiction, meta.plan_period_end) == (
        Level.PROVINCIAL,
        "河北省",
        "2025",
    )


def _meta(text: str) -> Any:
    (doc,) = structure_articles(ingest_bytes("page.txt", text.encode("utf-8")))
    return doc.metadata


def test_metadata_fields_read_one_by_one_from_a_run_together_line() -> None:
    from pipeline.structure.fields import read_fields

    fields = read_fields(
        [
            "索引号:0021/2024-0012主题分类:卫生发布机构:某某市卫生健康局发布时间:2024-03-05 09:30浏览次数:12",
            "文  号: 某卫发〔2024〕3号 成文日期: 2024-03-01",
        ]
    )
    assert fields == {
        "issuer": "某某市卫生健康局",
        "published": "2024-03-05 09:30",
        "number": "某卫发〔2024〕3号",
        "issued": "2024-03-01",
    }


def test_title_from_the_notice_sentence_over_a_furniture_first_line() -> None:
    meta = _meta(
        "网站导航\n潍卫发〔2024〕8号\n各区县卫生健康局:\n"
        "《潍坊市基层卫生服务能力提升行动方案》已经市卫生健康委员会同意,现印发给你们,请认真贯彻执行。\n"
        "潍坊市卫生健康委员会\n2024年5月6日\n潍坊市基层卫生服务能力\n提升行动方案\n一、总体目标\n(一)强基层。做好工作。\n"
    )
    assert (meta.title, meta.doc_number, meta.date) == (
        "潍坊市基层卫生服务能力提升行动方案",
        "潍卫发〔2024〕8号",
        "2024-05-06",
    )
    assert (meta.level, meta.jurisdiction, meta.issuer_names) == (
        Level.MUNICIPAL,
        "潍坊市",
        ("潍坊市卫生健康委员会",),
    )


def test_title_as_the_document_spells_its_own_heading() -> None:
    meta = _meta(
        "某省卫生健康委关于印发2024年某省卫生健康工作要点的通知\n各市卫生健康委:\n"
        "现将2024年某省卫生健康工作要点印发给你们。\n某省卫生健康委\n2024年3月1日\n"
        "2024年全省卫生健康工作要点\n一、总体要求\n(一)做好工作。加强领导。\n"
    )
    assert meta.title == "2024年全省卫生健康工作要点"
    assert meta.plan_period_end == "2024"  # a one-year plan: its targets are due that year


def test_doc_number_with_a_missing_bracket_and_issuer_from_a_national_prefix() -> None:
    meta = _meta(
        "<正>国办发〔2021〕9号各省、自治区、直辖市人民政府:《深化医药卫生体制改革工作方案》已经国务院同意,"
        "现印发给你们。2021年3月1日\n深化医药卫生体制改革工作方案\n一、总体要求\n"
        "(一)完善医疗卫生服务体系。推进分级诊疗,加强公共卫生和医疗保障,健全药品供应保障。"
    )
    assert (meta.doc_number, meta.issuer_names, meta.level) == (
        "国办发〔2021〕9号",
        ("国务院办公厅",),
        Level.NATIONAL,
    )


def test_unsigned_notice_is_issued_by_the_body_that_approved_it() -> None:
    meta = _meta(
        "各乡镇人民政府,县直各部门:\n"
        "县卫健局拟定的《某县基层医疗卫生服务能力提升方案》已经县人民政府同意,现印发给你们,请认真执行。\n"
        "2022年3月1日\n某县基层医疗卫生服务能力提升方案\n一、总体目标\n(一)完善医疗卫生服务体系。加强基层医疗机构建设。\n"
    )
    assert meta.issuer_names == ("县人民政府",)


def test_news_item_without_headline_names_the_document_bodies_issued() -> None:
    meta = _meta(
        "近日,省卫生健康委等10部门联合印发《湖南省促进医疗卫生机构数字化转型行动方案》。"
        "方案提出,到2027年,全省二级以上公立医院电子病历应用水平达到4级以上,推进医疗卫生服务体系建设。"
    )
    assert (meta.title, meta.issuer_names, meta.level) == (
        "湖南省促进医疗卫生机构数字化转型行动方案",
        ("省卫生健康委",),
        Level.PROVINCIAL,
    )


def test_title_opening_with_its_issuer_names_it() -> None:
    meta = _meta(
        "成都市卫生健康委员会2024年度工作计划\n一、总体思路\n坚持以人民健康为中心,推进医疗卫生服务体系建设。\n"
        "二、主要目标\n全市人均预期寿命达到82.3岁,孕产妇死亡率控制在8/10万以内。\n"
    )
    assert (meta.issuer_names, meta.plan_period_end) == (("成都市卫生健康委员会",), "2024")


def test_policy_reading_page_titles_its_reading_not_the_site() -> None:
    meta = _meta(
        "某某市卫生健康委员会网站\n首页 > 政策解读\n《某某市基层医疗卫生服务能力提升三年行动方案》政策解读\n"
        "发布时间:2024-03-02 来源:市卫生健康委\n一、出台背景\n"
        "为贯彻落实国家和省关于加强基层医疗卫生服务体系建设的部署,提升基层医疗卫生服务能力。\n"
    )
    assert (meta.title, meta.doc_type, meta.issuer_names) == (
        "某某市基层医疗卫生服务能力提升三年行动方案政策解读",
        "解读",
        ("市卫生健康委",),
    )
