"""Markdown notes rendered to HTML on the server, then sanitised with an allow-list.

Raw HTML in notes is never trusted: markdown-it runs with HTML off (so tags show as text), and nh3
(ammonia) strips anything outside the allow-list as a second line of defence.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

# nh3 hands the HTML to Rust as UTF-8; a lone surrogate would raise instead of rendering.
_SURROGATES = re.compile("[\ud800-\udfff]")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable("table")

_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "a", "table", "thead", "tbody", "tr", "th", "td", "del",
}


# Each timeline page renders the same notes again (after every save, for every viewer); the
# result depends only on the text. ~4,000 notes of at most a few KB each: a few MB at most.
@lru_cache(maxsize=4096)
def render(text: str) -> str:
    html = _md.render(_SURROGATES.sub("\ufffd", text or ""))
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
