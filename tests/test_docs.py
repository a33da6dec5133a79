"""Documentation hygiene: docs and docstrings cite papers and the repository's own ``docs/``
(``docs/theory.md §N``), never a file users do not have.

Checks every tracked file under ``polyreg/``, ``tests/``, ``docs/``, ``benchmarks/`` and
``README.md`` (``git ls-files``; the test is skipped outside a git checkout).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCOPE = ("polyreg", "tests", "docs", "benchmarks", "README.md")

#: a citation of the design notes that live outside the repository, or a path leaving it
FORBIDDEN = re.compile(
    "REFERENCE" + r"\.md"          # the out-of-repository mathematics notes
    + "|" + "REFERENCE" + r" ?§"  # the same notes cited by section
    + "|" + r"\.\./shared"         # a relative path out of the checkout
    + "|" + "/work/" + "shared"    # an absolute one
)


def tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", *SCOPE], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_no_citation_of_files_outside_the_repository():
    offending = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue  # binary data, or deleted in the work tree
        for number, line in enumerate(text.splitlines(), 1):
            if FORBIDDEN.search(line):
                offending.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offending, "cite docs/theory.md or the paper instead:\n" + "\n".join(offending)


def test_pattern_catches_what_it_should():
    for bad in ("see REFERENCE" + ".md", "REFERENCE" + " §3", "REFERENCE" + "§2",
                "../" + "shared/DESIGN.md", "/work/" + "shared/STYLE.md"):
        assert FORBIDDEN.search(bad), bad
    for good in ("docs/theory.md §3", "REFERENCES regions(id)", "a reference implementation"):
        assert not FORBIDDEN.search(good), good


def test_theory_sections_cited_exist():
    """Every ``docs/theory.md §N`` cited in the tracked files names a section of the page."""
    theory = (ROOT / "docs" / "theory.md").read_text(encoding="utf-8")
    sections = {int(n) for n in re.findall(r"^## §(\d+) ", theory, flags=re.MULTILINE)}
    assert sections == set(range(1, max(sections) + 1))
    cited = set()
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        for first, last in re.findall(r"theory\.md\)? §(\d+)(?:-(\d+))?", text):
            cited.add(int(first))
            if last:
                cited.add(int(last))
    assert cited, "nothing cites docs/theory.md"
    assert cited <= sections, f"cited sections {sorted(cited - sections)} do not exist"
