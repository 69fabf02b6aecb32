#!/usr/bin/env python3
"""Counts public items reachable from each crate's root (crude: follows `pub mod`, ignores re-exports)."""
import re, sys, pathlib
ITEM = re.compile(r'^\s*pub\s+(?:async\s+)?(fn|struct|enum|const|static|trait|type|union|use|mod)\b')
MOD = re.compile(r'^\s*(pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*(;|\{)')
def walk(path, reachable, out):
    text = path.read_text()
    lines = text.splitlines()
    total = 0
    depth_mod_stack = []
    for ln in lines:
        m = ITEM.match(ln)
        if m and reachable:
            total += 1
        mm = MOD.match(ln)
        if mm and mm.group(3) == ';':
            vis = (mm.group(1) or '').strip()
            name = mm.group(2)
            child_pub = reachable and vis == 'pub'
            base = path.parent if path.name in ('lib.rs', 'mod.rs', 'main.rs') else path.parent / path.stem
            for cand in (base / f'{name}.rs', base / name / 'mod.rs'):
                if cand.exists():
                    total += walk(cand, child_pub, out)
                    break
    return total
for crate in sys.argv[1:]:
    root = pathlib.Path(crate) / 'src' / 'lib.rs'
    if root.exists():
        print(f'{crate}: {walk(root, True, None)}')
