"""Edit one rule of a rules file as text (comments and line numbers kept), whatever else the file holds.

A text edit is anchored in the block of the rule it is about: a lettre de
cadrage adding a rule with the same parameters (another ``minimum: {2024: 500}``,
another ``gravite: information``) does not make the anchor ambiguous.
"""

from __future__ import annotations

import re
from pathlib import Path

# the next key of the rules section (two spaces of indent) or the next section
_NEXT_KEY = re.compile(r"^(?:  )?[^\s#]", re.M)


def rule_block(text: str, rule_id: str) -> tuple[int, int]:
    """Start and end offsets, in the text of a rules file, of the block of ``rule_id``."""
    found = re.search(rf"^  {re.escape(rule_id)}:.*\n", text, re.M)
    assert found, f"règle {rule_id} absente"
    after = _NEXT_KEY.search(text, found.end())
    return found.start(), after.start() if after else len(text)


def replace_in_rule(text: str, rule_id: str, old: str, new: str) -> str:
    """``text`` with ``old`` (which must occur once in the block of ``rule_id``) replaced by ``new`` there."""
    start, end = rule_block(text, rule_id)
    block = text[start:end]
    assert block.count(old) == 1, f"{old!r} doit figurer une fois dans la règle {rule_id}"
    return text[:start] + block.replace(old, new) + text[end:]


def edit_rule(path: Path, rule_id: str, old: str, new: str) -> Path:
    """:func:`replace_in_rule` on a file, in place."""
    path.write_text(replace_in_rule(path.read_text(encoding="utf-8"), rule_id, old, new), encoding="utf-8")
    return path
