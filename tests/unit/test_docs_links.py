"""The documentation holds together: every relative link in the README, docs/ and bench/README.md
points at a file that exists (and, with a `#fragment`, at a heading that exists, as GitHub makes
its anchors), and the README stays a short front page."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README_MAX_BYTES = 15_000

# `[text](target)` or `![alt](target "title")`; the text may hold backticks but not brackets.
MARKDOWN_LINK = re.compile(r"!?\[[^\[\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:, ...


def documentation_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md"]


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """The file's lines outside fenced code blocks, numbered from 1 (links in code are examples)."""
    lines, in_fence = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            lines.append((number, line))
    return lines


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, markup and punctuation dropped, spaces to dashes."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors_of(path: Path) -> set[str]:
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in prose_lines(path):
        match = HEADING.match(line)
        if not match:
            continue
        anchor = github_anchor(match.group(2))
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        anchors.add(anchor if count == 0 else f"{anchor}-{count}")
    return anchors


def relative_links(path: Path) -> list[tuple[int, str]]:
    found = []
    for number, line in prose_lines(path):
        for target in MARKDOWN_LINK.findall(re.sub(r"`[^`]*`", "", line)):
            if not EXTERNAL.match(target):
                found.append((number, target))
    return found


def broken_links(path: Path) -> list[str]:
    problems = []
    for number, target in relative_links(path):
        file_part, _, fragment = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        where = f"{path.relative_to(ROOT)}, line {number}: link {target!r}"
        if not linked.exists():
            problems.append(f"{where} points at a file that does not exist")
        elif fragment and linked.suffix == ".md" and fragment not in anchors_of(linked):
            problems.append(f"{where} names a heading that {linked.name} does not have")
    return problems


@pytest.mark.parametrize("path", documentation_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_at_something_that_exists(path):
    assert path.exists(), f"{path.relative_to(ROOT)} is missing"
    assert broken_links(path) == []


def test_the_readme_is_a_short_front_page():
    size = (ROOT / "README.md").stat().st_size
    assert size < README_MAX_BYTES, f"README.md is {size} bytes; move detail into docs/ (limit {README_MAX_BYTES})"


def test_the_readme_links_the_contract_security_promises_and_sample_data():
    links = {target for _, target in relative_links(ROOT / "README.md")}
    for needed in ("docs/scenario-format.md", "docs/SECURITY.md", "data/README.md", "docs/cli.md",
                   "docs/architecture.md", "docs/configuration.md", "bench/README.md", "LICENSE"):
        assert needed in links, f"README.md no longer links {needed}"


def test_the_checker_finds_a_missing_file_and_a_missing_heading(tmp_path, monkeypatch):
    """The checker itself can fail: a link to a missing file or heading is reported by line."""
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "other.md").write_text("# Real heading\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#real-heading) [gone](missing.md)\n"
        "[bad anchor](other.md#no-such-heading) [web](https://example.org/x.md)\n"
        "```\n[in code](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "page.md, line 1: link 'missing.md' points at a file that does not exist",
        "page.md, line 2: link 'other.md#no-such-heading' names a heading that other.md does not have",
    ]


def test_github_anchors_drop_markup_and_punctuation():
    assert github_anchor("`trellis pathways` — where one person's skills can take them") == (
        "trellis-pathways--where-one-persons-skills-can-take-them")
    assert github_anchor("Import of 100,000 people") == "import-of-100000-people"
    assert github_anchor("policy.json: the rules of a plan") == "policyjson-the-rules-of-a-plan"


# `tests/<folder>/<module>.py::test_name`, as docs/SECURITY.md cites the tests behind each promise.
CITED_TEST = re.compile(r"`(tests/[\w/]+\.py)::(\w+)")


def test_every_test_cited_in_the_security_document_exists():
    """Each promise in docs/SECURITY.md names the tests that keep it; a test renamed, moved or
    removed without updating the document would leave a promise with no proof."""
    text = (ROOT / "docs" / "SECURITY.md").read_text(encoding="utf-8")
    cited = CITED_TEST.findall(text)
    assert len(cited) >= 100, "the document cites tests as `tests/<folder>/<module>.py::test_name`"
    missing = []
    for path, name in cited:
        module = ROOT / path
        if not module.is_file() or not re.search(rf"^def {name}\(", module.read_text(encoding="utf-8"), re.MULTILINE):
            missing.append(f"{path}::{name}")
    assert missing == []
