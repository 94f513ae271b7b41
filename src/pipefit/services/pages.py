"""Cursors and sorts of every paginated list: an opaque cursor names the order it was
made for, so a cursor from another list or another sort is refused (never misread), and
a sort field outside a list's own is refused naming the field."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime

from pipefit.domain.errors import PipefitError

__all__ = ["MAX_PAGE", "check_limit", "decode_cursor", "encode_cursor", "parse_sort"]

MAX_PAGE = 500

_FORGED = "the cursor is not one this list handed out: start again without it"


def check_limit(limit: int, what: str) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise PipefitError(f"a page holds 1 to {MAX_PAGE} {what}; got {limit}", field="limit")


def parse_sort(text: str, sorts: Sequence[str], what: str) -> tuple[str, bool]:
    """`name` or `-name` -> (field, descending), if `name` is one of `sorts`."""
    key = text.strip().removeprefix("-")
    if key not in sorts:
        raise PipefitError(
            f"{what} sort by {', '.join(sorts)} (a leading - for descending); got '{text}'",
            field="sort",
        )
    return key, text.strip().startswith("-")


def encode_cursor(order: str, value: str, last_id: str) -> str:
    """The position after the row (`value` its sort value, `last_id` its id) in `order`
    (the list and its sort, e.g. "leads:-created_at")."""
    return base64.urlsafe_b64encode(json.dumps([order, value, last_id]).encode()).decode()


def decode_cursor(cursor: str, order: str, *, time: bool = False) -> tuple[str, str]:
    """(sort value, id) of a cursor made for `order`; a sort value that must be a time
    (`time`) is checked to be one."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        value = None
    if not (
        isinstance(value, list)
        and len(value) == 3
        and all(isinstance(v, str) for v in value)
        and value[0] == order
    ):
        raise PipefitError(_FORGED, field="cursor")
    if time:
        try:
            datetime.fromisoformat(value[1])
        except ValueError:
            raise PipefitError(_FORGED, field="cursor") from None
    return value[1], value[2]
