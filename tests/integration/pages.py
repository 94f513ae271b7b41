"""Helpers of the page tests: the charts' specs and the tables' cells out of a page."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

SPEC = re.compile(r'<script type="application/json" id="(spec-[^"]+)">(.*?)</script>', re.S)


def specs(html: str) -> dict[str, dict[str, Any]]:
    """Every chart's Vega-Lite spec on the page, by its element id."""
    return {m.group(1): json.loads(m.group(2)) for m in SPEC.finditer(html)}


def chart_values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every inline data value of a spec (Altair gathers them under "datasets")."""
    found: list[dict[str, Any]] = []
    for values in spec.get("datasets", {}).values():
        found += values

    def walk(node: Any) -> None:  # inline data left in place (a layer's own, say)
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                found.extend(data["values"])
            for key, value in node.items():
                if key != "datasets":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(spec)
    return found


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "head": [], "rows": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = "".join(self._caption).strip()
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            table = self.tables[-1]
            if not table["head"]:
                table["head"] = self._row
            else:
                table["rows"].append(dict(zip(table["head"], self._row, strict=False)))
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._caption is not None:
            self._caption.append(data)


def tables(html: str) -> list[dict[str, Any]]:
    """Every table of the page: caption, headings, and rows as heading -> cell text."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


EXTERNAL = re.compile(r"""(?:src|href|action|hx-get|hx-post)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def external_references(html: str) -> list[str]:
    """Attributes that would load or send something to another host."""
    return [m.group(0) for m in EXTERNAL.finditer(html)] + re.findall(
        r"url\(\s*['\"]?https?:", html
    )
