"""docs/rules.md is the catalogue of the rules that run, and nothing shipped names a seed article."""

from __future__ import annotations

import re
from pathlib import Path

from scanner.docs import DOCS_PATH, render_catalogue
from scanner.engine.loader import load_pack

ROOT = Path(__file__).resolve().parent.parent
SEED_NAME = re.compile(r"[a-z-]+\.(de|nl|zh|ko)\.txt")


def test_docs_rules_md_is_generated_from_the_rule_files():
    expected = render_catalogue(list(load_pack().rules))
    assert DOCS_PATH.read_text(encoding="utf-8") == expected, "run: .venv/bin/python -m scanner.docs"


def test_every_rule_is_in_the_catalogue_with_why_fix_and_references():
    text = DOCS_PATH.read_text(encoding="utf-8")
    for rule in load_pack().rules:
        section = text.split(f"### {rule.id}: ", 1)[1].split("\n### ", 1)[0]
        assert "**Why.**" in section and "**How to fix.**" in section and "https://learn.microsoft.com/" in section


def test_nothing_the_product_ships_names_a_seed_article():
    shipped = [*ROOT.glob("rules/**/*.yaml"), *ROOT.glob("docs/*.md"), ROOT / "README.md",
               *ROOT.glob("scanner/**/*.py"), *ROOT.glob("reports/**/*")]
    offenders = [str(p) for p in shipped if p.is_file() and SEED_NAME.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_readme_does_not_point_outside_the_repository():
    assert "../shared" not in (ROOT / "README.md").read_text(encoding="utf-8")
