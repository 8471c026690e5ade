"""Seed equality: each real document in tests/seeds/ is reproduced by its record.

The seed text is split into paragraphs, normalised and mended (tests/seeds/mends.yaml
says how and why); the record is rendered to DOCX and read back paragraph by paragraph.
Then (a) the body paragraphs are equal as a sequence, and (b) every other seed paragraph
(header, number, date, title, trích yếu, signatures, Nơi nhận) is among the rendered
ones — as a multiset, since the seed texts list table cells in varying orders.
"""

from __future__ import annotations

import difflib
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import docx
import pytest
import yaml
from docx.oxml.ns import qn

from congvan.records.loader import load_record
from congvan.render.document import DocumentRenderer
from congvan.render.richtext import plain_text

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "seeds"
RECORDS = ROOT / "records"
MENDS: dict[str, dict] = yaml.safe_load((SEEDS / "mends.yaml").read_text(encoding="utf-8"))
SEED_FILES = sorted(p.name for p in SEEDS.glob("*.txt"))

_WS = re.compile(r"\s+")  # in Python 3 str patterns, \s covers NBSP and other Unicode spaces
_HEADING = re.compile(r"^\s*#{2,3}\s*")
W_P, W_T, W_TBL = qn("w:p"), qn("w:t"), qn("w:tbl")
W_NBH = qn("w:noBreakHyphen")


def norm(text: str) -> str:
    """NFC, every run of white space (NBSP included) as one space, stripped."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def strip_markdown(line: str) -> str:
    return _HEADING.sub("", line).replace("**", "")


@dataclass(frozen=True)
class Seed:
    body: list[str]
    other: list[str]


def seed_paragraphs(name: str) -> list[str]:
    """The seed's paragraphs after drops, normalisation and mends."""
    spec = MENDS[name]
    lines = (SEEDS / name).read_text(encoding="utf-8").splitlines()
    dropped_lines: set[int] = set()
    dropped_texts: list[str] = []
    for drop in spec.get("drop", []):
        if "lines" in drop:
            first, last = drop["lines"]
            dropped_lines.update(range(first, last + 1))
        else:
            dropped_texts.append(norm(drop["text"]))
    paras = [
        text for n, line in enumerate(lines, start=1) if n not in dropped_lines and (text := norm(strip_markdown(line)))
    ]
    for text in dropped_texts:
        assert text in paras, f"{name}: paragraph to drop not found: {text!r}"
        paras.remove(text)
    joined = "\n".join(paras)
    for mend in spec.get("mends", []):
        found = joined.count(mend["seed"])
        expected = mend.get("count", 1)
        assert found == expected, f"{name}: mend {mend['seed']!r} occurs {found} times, expected {expected}"
        joined = joined.replace(mend["seed"], mend["record"])
    return [p for p in (norm(x) for x in joined.split("\n")) if p]


@cache
def seed(name: str) -> Seed:
    paras = seed_paragraphs(name)
    body = MENDS[name]["body"]
    start = next((i for i, p in enumerate(paras) if p.startswith(body["first"])), None)
    assert start is not None, f"{name}: no paragraph starts with {body['first']!r}"
    end = next((i for i in range(start, len(paras)) if paras[i].startswith(body["last"])), None)
    assert end is not None, f"{name}: no body paragraph starts with {body['last']!r}"
    return Seed(body=paras[start : end + 1], other=paras[:start] + paras[end + 1 :])


def _own_text(p) -> str:
    """Text of the w:t runs of *p* itself, not of paragraphs nested in it (text boxes)."""
    # w:noBreakHyphen is the "-" of a số ký hiệu kept on one line
    return "".join(
        "-" if t.tag == W_NBH else t.text or "" for t in p.iter(W_T, W_NBH) if next(t.iterancestors(W_P), None) is p
    )


@dataclass(frozen=True)
class Rendered:
    paragraphs: list[tuple[str, bool]]  # (normalised text, inside a table), in order
    trich_yeu_last: str

    @property
    def texts(self) -> list[str]:
        return [text for text, _ in self.paragraphs]

    def body_range(self) -> tuple[int, int]:
        """The body: top-level paragraphs after the trích yếu, up to the next table."""
        texts = self.texts
        assert self.trich_yeu_last in texts, f"trích yếu line not rendered: {self.trich_yeu_last!r}"
        start = texts.index(self.trich_yeu_last) + 1
        end = start
        while end < len(self.paragraphs) and not self.paragraphs[end][1]:
            end += 1
        return start, end


@cache
def rendered(name: str) -> Rendered:
    path = RECORDS / MENDS[name]["record"]
    record = load_record(path)
    data = DocumentRenderer().render_bytes(record, base_dir=path.parent)
    body = docx.Document(io.BytesIO(data)).element.body
    out: list[tuple[str, bool]] = []
    for child in body.iterchildren():
        in_table = child.tag == W_TBL
        for p in child.iter(W_P):
            text = norm(_own_text(p))
            if text:
                out.append((text, in_table))
    last_line = [x for x in record.trich_yeu.split("\n") if x.strip()][-1]
    return Rendered(out, norm(plain_text(last_line)))


def first_difference(expected: list[str], actual: list[str]) -> str:
    """A message naming the first paragraph where the two sequences part."""
    for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
        if e != a:
            where = next(
                (k for k, (x, y) in enumerate(zip(e, a, strict=False)) if x != y),
                min(len(e), len(a)),
            )
            return (
                f"body paragraph {i + 1} differs at character {where}:\n"
                f"  seed:     {e!r}\n"
                f"  rendered: {a!r}\n"
                f"  seed ...{e[max(where - 30, 0) : where + 30]!r}\n"
                f"  rend ...{a[max(where - 30, 0) : where + 30]!r}"
            )
    if len(expected) != len(actual):
        n = min(len(expected), len(actual))
        extra = ("seed", expected[n]) if len(expected) > n else ("rendered", actual[n])
        return (
            f"{len(expected)} seed body paragraphs, {len(actual)} rendered; "
            f"first unmatched ({extra[0]}), paragraph {n + 1}: {extra[1]!r}"
        )
    return "equal"


def test_every_seed_has_mends() -> None:
    assert sorted(MENDS) == SEED_FILES, "tests/seeds/*.txt and mends.yaml must list the same seeds"
    for name in SEED_FILES:
        assert (RECORDS / MENDS[name]["record"]).is_file(), f"{name}: record file missing"


@pytest.mark.parametrize("name", SEED_FILES, ids=[n.split("_")[0] for n in SEED_FILES])
def test_body_equals_seed(name: str) -> None:
    expected = seed(name).body
    doc = rendered(name)
    start, end = doc.body_range()
    actual = doc.texts[start:end]
    assert actual == expected, first_difference(expected, actual)


@pytest.mark.parametrize("name", SEED_FILES, ids=[n.split("_")[0] for n in SEED_FILES])
def test_other_seed_paragraphs_rendered(name: str) -> None:
    doc = rendered(name)
    start, end = doc.body_range()
    outside = doc.texts[:start] + doc.texts[end:]
    missing = Counter(seed(name).other) - Counter(outside)
    if missing:
        first = next(p for p in seed(name).other if p in missing)
        close = difflib.get_close_matches(first, outside, n=1, cutoff=0.5)
        pytest.fail(
            f"{sum(missing.values())} seed paragraph(s) outside the body not rendered, "
            f"first: {first!r}"
            + (f"\n  closest rendered: {close[0]!r}" if close else "")
            + f"\n  all missing: {sorted(missing)}"
        )
