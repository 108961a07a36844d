"""The ingest stage on the real seed documents in data/raw, plus small unit sentences."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

import opencc
import pytest

from pipeline.ingest import ingest_bytes, ingest_file, relevance_score
from pipeline.models import Article, SourceFormat

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SEEDS = {
    "000": "000_84d2e6405c0b6c5b.txt",
    "001": "001_60cbdc764d02941c.txt",
    "002": "002_ad0221d9827c4750.txt",
    "003": "003_e14da291fa1a9871.txt",
    "004": "004_9ee0ee2d1a04337c.txt",
}
TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
PINYIN_NOTE = re.compile(rf"[(（][a-z{TONED}]*[{TONED}][a-z{TONED}]*[)）]")


@cache
def seed(key: str) -> tuple[Article, ...]:
    name = SEEDS[key]
    return ingest_bytes(name, (RAW / name).read_bytes())


def lines_of(key: str) -> list[str]:
    return [line for article in seed(key) for line in article.text.split("\n")]


@pytest.mark.parametrize(
    ("key", "relevance"),
    [
        ("000", [False, True]),
        ("001", [True, False, False, False, False]),
        ("002", [True]),
        ("003", [True]),
        ("004", [True]),
    ],
)
def test_ingest_seed_article_count_and_relevance(key: str, relevance: list[bool]) -> None:
    articles = seed(key)
    assert [a.relevant for a in articles] == relevance
    for article in articles:
        assert 0.0 <= article.relevance_score <= 1.0
        assert (article.relevance_score >= 0.5) == article.relevant


@pytest.mark.parametrize("key", sorted(SEEDS))
def test_ingest_seed_identity_fields(key: str) -> None:
    data = (RAW / SEEDS[key]).read_bytes()
    stem = SEEDS[key].removesuffix(".txt")
    for index, article in enumerate(seed(key)):
        assert article.doc_id == f"{stem}#{index}"
        assert article.index == index
        assert article.source == SEEDS[key]
        assert article.source_sha256 == hashlib.sha256(data).hexdigest()
        assert article.encoding == "utf-8"


@pytest.mark.parametrize("key", sorted(SEEDS))
def test_ingest_seed_clean_text_convention(key: str) -> None:
    for article in seed(key):
        text = article.text
        assert text and "\r" not in text and "\n\n" not in text
        assert not re.search(r"[，：；（）！？０-９Ａ-Ｚａ-ｚ\u3000\t]", text)
        for line in text.split("\n"):
            assert line == line.strip() and "  " not in line
            assert not line.startswith(("#", ">", "·", "- "))
        assert "**" not in text and "](" not in text
        assert not re.search(r"</?(p|span|a|strong|center|img)\b", text)


def test_ingest_002_inline_tags_join_words() -> None:
    (article,) = seed("002")
    assert "职工基本医疗保险" in article.text
    assert "城乡居民基本医疗保险政策范围内" in article.text
    assert "远程医疗服务覆盖全部脱贫县" in article.text


def test_ingest_002_block_tags_break_paragraphs() -> None:
    lines = lines_of("002")
    assert "国办发〔2022〕11号" in lines
    assert "“十四五”国民健康规划" in lines
    assert "一、规划背景" in lines


def test_ingest_002_front_matter_becomes_hints() -> None:
    (article,) = seed("002")
    assert article.hints["title"] == "国务院办公厅印发“十四五”国民健康规划"
    assert article.hints["date"].startswith("2022-05-20")
    assert article.source_format is SourceFormat.MARKDOWN
    assert "layout" not in article.text and "categories" not in article.text
    assert "东财滚动新闻" not in article.text  # only in front matter tags and the back link


def test_ingest_002_links_and_urls_dropped() -> None:
    (article,) = seed("002")
    assert "返回首页" not in article.text and "http" not in article.text


def test_ingest_004_pinyin_and_traditional_removed() -> None:
    (article,) = seed("004")
    assert not PINYIN_NOTE.search(article.text)
    assert opencc.OpenCC("t2s").convert(article.text) == article.text
    assert "医疗" in article.text and "建设" in article.text and "醫" not in article.text
    assert "(以下简称“双中心”)" in article.text  # a real parenthesis survives


def test_ingest_004_spam_and_navigation_dropped() -> None:
    text = seed("004")[0].text
    assert "_" not in text and "在线观看" not in text
    assert "首页" not in text and "欢迎来到" not in text
    assert not any(">" in line for line in text.split("\n"))


def test_ingest_004_publication_hint() -> None:
    (article,) = seed("004")
    assert article.hints["published"] == "2024-11-20"
    assert "以基层为重点加快建设分级诊疗体系" in article.hints["headline"]


def test_ingest_003_page_furniture_dropped() -> None:
    lines = lines_of("003")
    for furniture in (
        "当前位置:",
        "公告内容",
        "草案内容",
        "草案解读",
        "公众意见及建议",
        "征集已结束",
    ):
        assert furniture not in lines
    assert not any(line.startswith(("联系电话", "电子邮箱", "联系人", "·")) for line in lines)
    assert "一、总体要求" in lines
    assert any(line.startswith("(一)科学配置医疗资源。") for line in lines)


def test_ingest_003_stays_one_document_with_notice_draft_and_explanation() -> None:
    (article,) = seed("003")
    assert "征求意见的公告" in article.hints["headline"]
    assert "七、组织实施" in article.text and "一、起草背景" in article.text


def test_ingest_000_continuation_keeps_page_header_in_same_article() -> None:
    feature, opinion = seed("000")
    assert feature.text.split("\n")[-1].startswith("(新华社北京3月22日电")
    assert "上接第" not in opinion.text
    assert opinion.text.startswith("推动医疗卫生发展方式转向")
    assert "中共中央办公厅 国务院办公厅印发《关于进一步完善医疗卫生服务体系的意见》" in opinion.text
    assert opinion.hints["headline"].endswith("《关于进一步完善医疗卫生服务体系的意见》")
    assert feature.hints["headline"].startswith("携手建设更加美好的世界")


def test_ingest_001_newspaper_articles_and_hints() -> None:
    articles = seed("001")
    assert [a.hints.get("dateline") for a in articles] == [
        "新华社北京3月23日电",
        "新华社北京3月23日电",
        "新华社北京3月23日电",
        None,
        "新华社北京3月23日电",
    ]
    assert articles[0].text.split("\n")[-1].startswith("(三) 加强宣传引导")
    assert articles[1].text.endswith("2023年3月23日") and articles[2].text.endswith("2023年3月23日")
    assert articles[3].hints["headline"] == "大力推进年轻干部交流任职"
    assert articles[3].text.split("\n")[1] == "冀言"
    assert articles[4].hints["headline"] == "我国将从五方面 大力推动技能人才队伍建设"


# --------------------------------------------------------------------------- unit sentences


def _one(text: str, name: str = "unit.txt") -> Article:
    (article,) = ingest_bytes(name, text.encode("utf-8"))
    return article


def test_ingest_pinyin_only_after_han_with_tone_marks() -> None:
    article = _one("建設(shè)醫（yī）療體系(一)加強(含中醫)(2021—2025年)(5G)(责任单位:市卫健委)。")
    assert article.text == "建设医疗体系(一)加强(含中医)(2021—2025年)(5G)(责任单位:市卫健委)。"


def test_ingest_full_width_forms_fold_to_ascii() -> None:
    assert (
        _one("到２０２５年，覆盖率达到９０％（含ＡＩ）：完成；").text
        == "到2025年,覆盖率达到90%(含AI):完成;"
    )


def test_ingest_html_inline_block_and_entities() -> None:
    html = (
        "<html><head><title>某市卫生健康委</title><style>p{}</style></head><body>"
        "<div>一、总体要求</div><p>职工基本医疗<a href='x'>保险</a>&amp;医保&nbsp;&nbsp;支付<br/>第二行</p>"
        "<script>var a = '<p>';</script></body></html>"
    )
    article = _one(html, "page.html")
    assert article.text == "一、总体要求\n职工基本医疗保险&医保 支付\n第二行"
    assert article.hints["title"] == "某市卫生健康委"
    assert article.source_format is SourceFormat.HTML


def test_ingest_malformed_html_degrades_with_warning() -> None:
    result = ingest_file(
        "broken.html", '<p>加强基层医疗<span>卫生</span></p><p class="x\n<div>健全体系'.encode()
    )
    assert [a.text for a in result.articles] == ["加强基层医疗卫生\n健全体系"]
    assert any("malformed HTML" in w for w in result.warnings)


def test_ingest_markdown_reduced_to_text() -> None:
    md = "# 标题一\n\n> 引用的话\n\n**粗体**和[链接文字](http://x.cn/a)以及<http://y.cn>\n\n- 列表项\n"
    article = _one(md, "post.md")
    assert article.text == "标题一\n引用的话\n粗体和链接文字以及http://y.cn\n列表项"


@pytest.mark.parametrize(
    ("front", "title"),
    [
        (
            '---\ntitle: "关于健全医疗体系的通知"\ndate: 2024-01-02\n---\n正文内容。',
            "关于健全医疗体系的通知",
        ),
        ("---\ntitle: [unclosed\ndate: 2024-01-02\n---\n正文内容。", "[unclosed"),
        ("---\ntitle: 未闭合的头\ndate: 2024-01-02\n正文内容。", "未闭合的头"),
    ],
)
def test_ingest_front_matter_good_and_broken(front: str, title: str) -> None:
    result = ingest_file("post.md", front.encode())
    (article,) = result.articles
    assert article.text == "正文内容。"
    assert article.hints["title"] == title and article.hints["date"] == "2024-01-02"
    assert bool(result.warnings) == (title != "关于健全医疗体系的通知")


def test_ingest_newspaper_page_split_on_general_cues() -> None:
    page = (
        "某省出台方案 加快推进县域医共体建设\n"
        "本报讯 近日,某省卫生健康委印发实施方案,推进医共体建设。\n"
        "到2025年,县域内就诊率达到90%以上。\n"
        "(记者 张三)\n"
        "春季花卉展开幕\n"
        "新华社杭州3月1日电 春季花卉展1日在杭州开幕,展出花卉千余种。"
    )
    articles = ingest_bytes("page.txt", page.encode())
    assert [a.hints.get("headline") for a in articles] == [
        "某省出台方案 加快推进县域医共体建设",
        "春季花卉展开幕",
    ]
    assert [a.relevant for a in articles] == [True, False]
    assert [a.hints.get("dateline") for a in articles] == ["本报讯", "新华社杭州3月1日电"]


def test_ingest_web_page_without_newspaper_cues_stays_one_article() -> None:
    text = "关于印发某市健康规划的通知\n各区卫生健康局:\n现印发给你们。\n某市卫生健康委\n2024年1月5日\n某市健康规划\n一、总体要求"
    assert len(ingest_bytes("notice.txt", text.encode())) == 1


@pytest.mark.parametrize(
    ("text", "relevant"),
    [
        ("健全公共卫生体系,完善医疗服务,推进分级诊疗,落实医保支付改革。", True),
        ("中国队在比赛中获得金牌,观众热烈欢呼,卫生间排起长队。" * 3, False),
        (
            "推动构建网络空间、海洋、卫生健康等命运共同体,深化外交合作,促进共同发展和世界和平。"
            * 5,
            False,
        ),
    ],
)
def test_relevance_score_density(text: str, relevant: bool) -> None:
    assert (relevance_score(text) >= 0.5) == relevant


def test_ingest_generic_web_furniture_dropped_policy_lines_kept() -> None:
    page = (
        "您的位置:首页 > 政务公开 > 政策文件\n"
        "网站首页 > 信息公开 > 通知公告 > 正文\n"
        "【字体:大 中 小】【打印】【关闭】\n"
        "电话:010-12345678\n"
        "责任编辑:王五\n"
        "上一篇:关于做好春节期间工作的通知\n"
        "首页_新闻_视频_图片_论坛_博客_下载\n"
        "【指导思想】\n"
        "返回列表\n"
        "一、总体要求\n"
        "(一)健全公共卫生体系。到2025年,基层医疗卫生机构达标率达到90%以上。"
    )
    assert (
        _one(page).text
        == "【指导思想】\n一、总体要求\n(一)健全公共卫生体系。到2025年,基层医疗卫生机构达标率达到90%以上。"
    )
