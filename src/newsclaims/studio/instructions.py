"""The project's instructions in Label Studio, from docs/guidelines.md (one source).

Label Studio shows a project's `expert_instruction` (HTML) before labeling starts
when `show_instruction` is set, and under the editor's instructions button while the
annotator works. Ours are the guidelines' "In short" section, then the whole
guidelines folded in a <details> element: a link that works on any server, with no
copy to keep in step. Label Studio cleans the HTML with bleach on save (no `id`
attributes survive, so there are no in-page anchors).
"""

from __future__ import annotations

import functools

from markdown_it import MarkdownIt

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.reading import read_text
from newsclaims.core.resources import guidelines_path
from newsclaims.studio.client import Studio, call

SUMMARY_HEADING = "## In short"
FULL_TEXT_SUMMARY = "The full guidelines (docs/guidelines.md)"


def instructions_html(guidelines: str | None = None) -> str:
    """The "In short" section as HTML, then the rest of the guidelines folded."""
    text = read_text(guidelines_path(), "guidelines") if guidelines is None else guidelines
    return _rendered(text)


@functools.lru_cache(maxsize=1)
def _rendered(text: str) -> str:
    """(Cached: rendering takes ~40 ms, and one push needs the HTML up to three times.)"""
    summary, rest = split_summary(text)
    markdown = MarkdownIt("commonmark").enable("table")
    return (
        f"{markdown.render(summary)}"
        f"<details><summary>{FULL_TEXT_SUMMARY}</summary>{markdown.render(rest)}</details>"
    )


def split_summary(text: str) -> tuple[str, str]:
    """(the "In short" section without its heading, the guidelines without it)."""
    start = text.find(f"\n{SUMMARY_HEADING}\n")
    if start < 0:
        raise NewsclaimsError(f"the guidelines have no {SUMMARY_HEADING!r} section")
    body_start = start + len(SUMMARY_HEADING) + 2
    end = text.find("\n## ", body_start)
    end = len(text) if end < 0 else end
    return text[body_start:end].strip(), (text[:start] + text[end:]).strip()


def set_instructions(studio: Studio, project_id: int) -> None:
    """Write the instructions into the project and have them shown before labeling."""
    html = instructions_html()
    call(
        "setting the project's instructions",
        studio.url,
        lambda: studio.client.projects.update(
            id=project_id, expert_instruction=html, show_instruction=True
        ),
    )
