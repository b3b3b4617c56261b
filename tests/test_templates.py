"""Template source rules that rendering alone would let through."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_one_line_comment_closes_on_its_line():
    # Django's `{# ... #}` comment is one line only: an unclosed one is printed on the page as text.
    # Longer comments are `{% comment %}...{% endcomment %}`.
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted([*(ROOT / "templates").rglob("*"), *ROOT.glob("*/templates/**/*")])
        if path.suffix in {".html", ".txt"}
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.count("{#") != line.count("#}")
    ]
    assert offenders == []
