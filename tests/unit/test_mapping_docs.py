"""docs/mappings.md cannot drift: every key a mapping file accepts is documented, and every
example mapping in it is a valid one."""

from __future__ import annotations

import re
from pathlib import Path

from pipefit.io.mapping import SECTION_KEYS, load_mapping
from pipefit.io.mapping_rules import JOIN_KEYS, TESTS

DOC = Path(__file__).parents[2] / "docs" / "mappings.md"


def test_every_key_of_a_files_section_a_join_and_a_condition_is_documented() -> None:
    text = DOC.read_text("utf-8")
    documented = set(re.findall(r"`([a-z_<>.]+)(?: = [^`]*)?`", text))
    wanted = {k if k not in ("values", "when") else f"{k}.<field>" for k in SECTION_KEYS}
    wanted |= set(JOIN_KEYS) | set(TESTS)
    assert wanted - documented == set()


def test_every_example_mapping_in_the_docs_is_valid(tmp_path: Path) -> None:
    blocks = re.findall(r"```toml\n(.*?)```", DOC.read_text("utf-8"), flags=re.S)
    examples = [b for b in blocks if "[files." in b]
    assert len(examples) >= 5
    for i, block in enumerate(examples):
        path = tmp_path / f"example-{i}.toml"
        path.write_text(block, "utf-8")
        mapping, errors = load_mapping(path)
        assert errors == [], block
        assert mapping is not None
