#!/usr/bin/env python3
"""Counts the public items reachable from each crate root.

An item counts when it is declared `pub` in a module that is `pub` all the way up to
the crate root; re-exports count once each. Usage: xtask/public_items.py crates/*
"""

import pathlib
import re
import sys

ITEM = re.compile(r"^\s*pub\s+(?:async\s+)?(fn|struct|enum|const|static|trait|type|union|use|mod)\b")
MOD = re.compile(r"^\s*(pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*(;|\{)")


def count(path: pathlib.Path, reachable: bool) -> int:
    total = 0
    for line in path.read_text().splitlines():
        if reachable and ITEM.match(line):
            total += 1
        m = MOD.match(line)
        if not m or m.group(3) != ";":
            continue
        child_public = reachable and (m.group(1) or "").strip() == "pub"
        name = m.group(2)
        at_root = path.name in ("lib.rs", "mod.rs", "main.rs")
        base = path.parent if at_root else path.parent / path.stem
        for candidate in (base / f"{name}.rs", base / name / "mod.rs"):
            if candidate.exists():
                total += count(candidate, child_public)
                break
    return total


for crate in sys.argv[1:]:
    root = pathlib.Path(crate) / "src" / "lib.rs"
    if root.exists():
        print(f"{crate}: {count(root, True)}")
