"""A deterministic generator of realistic benchmark documents recombined from the seed documents.

Each generated document takes a header (issuer, 文号, date, title) for a jurisdiction drawn from
``resources/bench/jurisdictions.tsv`` and a random selection of real parts (``一、…`` with their
items) cut from the raw seed documents, with the seeds' jurisdictions swapped for the new one,
years shifted and figures perturbed, so extraction does real work on unseen combinations. Output
formats rotate between plain text, Markdown with front matter and HTML paragraphs, like the raw
files collected from the web. Files are written one at a time: memory does not grow with ``N``.
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import RESOURCES_DIR

JURISDICTIONS_TSV = RESOURCES_DIR / "bench" / "jurisdictions.tsv"

_PART = re.compile(r"^\s*[一二三四五六七八九十]{1,3}、")
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</p>|<br\s*/?>|</div>|</h\d>", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(20[0-4]\d)(?=年|—|-|～|~)")
_FIGURE = re.compile(r"(?<![\d.〔（(])(\d+(?:\.\d+)?)(?=\s*(?:%|％|‰|个|张|所|人|家|岁|万|项|床))")
_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    name: str
    level: str
    province: str
    abbreviation: str

    @property
    def stem(self) -> str:
        """The name without its 省/市 suffix: ``聊城市`` -> ``聊城``."""
        return self.name[:-1] if self.name[-1] in "省市县区" and len(self.name) > 2 else self.name


def load_jurisdictions(path: Path = JURISDICTIONS_TSV) -> list[Jurisdiction]:
    """The jurisdictions table (name, level, province, abbreviation)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(Jurisdiction(*line.split("\t")[:4]))
    return rows


def text_lines(raw: str) -> list[str]:
    """The non-empty lines of a raw file with markup stripped (a crude cut, enough to recombine).

    >>> text_lines("<p>一、总体要求</p><p>(一)目标&amp;任务</p>")
    ['一、总体要求', '(一)目标&任务']
    """
    text = _BLOCK_END.sub("\n", raw)
    text = html.unescape(_TAG.sub("", text))
    return [line.strip() for line in text.splitlines() if line.strip()]


def split_parts(lines: list[str]) -> list[list[str]]:
    """The parts of a document: each starts at a ``一、`` heading and runs to the next one.

    >>> split_parts(["前言", "一、甲", "(一)乙", "二、丙"])
    [['一、甲', '(一)乙'], ['二、丙']]
    """
    parts: list[list[str]] = []
    for line in lines:
        if _PART.match(line):
            parts.append([line])
        elif parts:
            parts[-1].append(line)
    return parts


@dataclass
class SectionPool:
    """Real parts and preamble sentences cut from the seed documents."""

    parts: list[list[str]]
    preambles: list[str]

    @classmethod
    def from_raw_dir(cls, raw_dir: Path) -> SectionPool:
        parts: list[list[str]] = []
        preambles: list[str] = []
        for path in sorted(
            p for p in raw_dir.iterdir() if p.is_file() and not p.name.startswith(".")
        ):
            lines = text_lines(path.read_bytes().decode("utf-8", errors="replace"))
            doc_parts = [p for p in split_parts(lines) if sum(len(x) for x in p) > 80]
            parts += doc_parts
            if doc_parts:
                first = lines.index(doc_parts[0][0])
                preambles += [
                    x for x in lines[:first] if x.startswith(("为", "根据")) and len(x) > 30
                ]
        if not parts:
            raise ValueError(f"{raw_dir}: no document parts (一、…) to recombine")
        return cls(parts, preambles or ["为深入推进健康中国建设，结合本地实际，制定本方案。"])


class _Rewriter:
    """Swaps seed jurisdictions for the target one, shifts years and perturbs figures."""

    def __init__(self, target: Jurisdiction, known: list[Jurisdiction], rng: random.Random) -> None:
        self.rng = rng
        self.year_shift = rng.randint(-3, 3)
        province = next((j for j in known if j.name == target.province), target)
        mapping: dict[str, str] = {}
        for j in known:
            to = target if j.level == target.level or target.level == "provincial" else province
            if j.level == "provincial" and target.level == "municipal":
                to = province
            mapping[j.name] = to.name
            if len(j.stem) >= 2:
                mapping[j.stem] = to.stem
        names = sorted(mapping, key=len, reverse=True)
        self.mapping = mapping
        self.names = re.compile("|".join(map(re.escape, names)))

    def __call__(self, line: str) -> str:
        line = self.names.sub(lambda m: self.mapping[m.group(0)], line)
        line = _YEAR.sub(lambda m: str(int(m.group(1)) + self.year_shift), line)
        return _FIGURE.sub(self._figure, line)

    def _figure(self, m: re.Match[str]) -> str:
        text = m.group(1)
        value = float(text) * self.rng.uniform(0.7, 1.3)
        if "." in text:
            return f"{value:.{len(text.split('.')[1])}f}"
        return str(max(1, round(value)))


TOPICS = (
    "进一步完善医疗卫生服务体系的实施方案",
    "“十四五”卫生健康事业发展规划",
    "深化医药卫生体制改革重点工作任务",
    "推进紧密型县域医疗卫生共同体建设的实施意见",
    "加强基层医疗卫生服务能力建设的通知",
    "健康城市建设行动方案",
)


def generate_document(
    index: int, pool: SectionPool, jurisdictions: list[Jurisdiction], seed: int
) -> str:
    """The raw text of generated document ``index`` (same ``seed`` and index → same bytes)."""
    rng = random.Random(f"{seed}:{index}")
    target = rng.choice(jurisdictions)
    rewrite = _Rewriter(target, jurisdictions, rng)
    year = 2021 + rng.randint(0, 4)
    issuer = (
        f"{target.name}人民政府办公厅" if rng.random() < 0.5 else f"{target.name}卫生健康委员会"
    )
    topic = rng.choice(TOPICS)
    title = f"{target.name}{topic}"
    number = f"{target.abbreviation}{'政办发' if '政府' in issuer else '卫发'}〔{year}〕{rng.randint(1, 60)}号"
    date = f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    body: list[str] = [rewrite(rng.choice(pool.preambles))]
    for n, part in enumerate(rng.sample(pool.parts, k=min(len(pool.parts), rng.randint(3, 6)))):
        heading = _NUMERALS[n] + "、" + _PART.sub("", part[0])
        body += [rewrite(heading)] + [rewrite(line) for line in part[1:]]
    header = [
        f"{issuer}关于印发{title}的通知",
        number,
        "各有关单位：",
        f"现将《{title}》印发给你们，请认真贯彻执行。",
        issuer,
        date,
        title,
    ]
    lines = header + body
    style = rng.randrange(3)
    if style == 0:
        return "\n".join(lines) + "\n"
    if style == 1:
        front = f'---\ntitle: "{title}"\ndate: {year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n---\n'
        return front + "\n\n".join(lines) + "\n"
    paragraphs = "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines)
    return (
        f"<html><head><title>{html.escape(title)}</title></head><body>{paragraphs}</body></html>\n"
    )


def generate_corpus(raw_dir: Path, out_dir: Path, docs: int, seed: int = 7) -> Iterator[Path]:
    """Write ``docs`` generated documents to ``out_dir`` one at a time, yielding each path."""
    pool = SectionPool.from_raw_dir(raw_dir)
    jurisdictions = load_jurisdictions()
    out_dir.mkdir(parents=True, exist_ok=True)
    width = max(6, len(str(docs - 1)))
    for index in range(docs):
        path = out_dir / f"bench_{index:0{width}d}.txt"
        text = generate_document(index, pool, jurisdictions, seed)
        data = text.encode("utf-8")
        if not path.exists() or path.read_bytes() != data:  # keep mtimes of unchanged files
            path.write_bytes(data)
        yield path
