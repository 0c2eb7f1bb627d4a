#!/usr/bin/env python3
"""Compares a --json document with its example in docs/json.md.

Usage: json_shape.py DOCS NAME < DOCUMENT. The example is the ```json block
after the line `<!-- example: NAME -->`. Prints one line per difference (a
missing, extra or reordered key, a value of another JSON type) and nothing
when the document has the example's shape. Arrays are compared through their
first element when both have one; null matches any type (a value that is not
there is null: docs/json.md). Every document must also follow the envelope:
`command` and `exit_code` first, an `errors` array. Objects
whose keys are data (MAPS: the dry run's node → SQL) are compared through
their values' types only.
"""
import json
import re
import sys


def example(docs, name):
    text = open(docs, encoding="utf-8").read()
    found = re.search(r"<!-- example: " + re.escape(name) + r" -->\s*```json\n(.*?)```", text, re.S)
    if not found:
        sys.exit(f"no example named {name} in {docs}")
    return json.loads(found.group(1))


def kind(value):
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


MAPS = {".extension"}


def compare(want, got, path, out):
    if path in MAPS and isinstance(want, dict) and isinstance(got, dict):
        for key, value in got.items():
            compare(next(iter(want.values())), value, f"{path}[{key!r}]", out)
    elif isinstance(want, dict) and isinstance(got, dict):
        if list(want) != list(got):
            out.append(f"{path or '.'}: keys {list(got)}, documented {list(want)}")
        for key in want:
            if key in got:
                compare(want[key], got[key], f"{path}.{key}", out)
    elif isinstance(want, list) and isinstance(got, list):
        if want and got:
            compare(want[0], got[0], f"{path}[0]", out)
    elif want is not None and got is not None and kind(want) != kind(got):
        out.append(f"{path}: {kind(got)}, documented {kind(want)}")


def main():
    docs, name = sys.argv[1], sys.argv[2]
    lines = sys.stdin.read().strip().split("\n")
    # The document is the last line: stdout may hold nothing else.
    out = []
    if len(lines) != 1:
        out.append(f"{len(lines)} lines on stdout, want one document")
    document = json.loads(lines[-1])
    if list(document)[:2] != ["command", "exit_code"] or not isinstance(document.get("errors"), list):
        out.append(f"not in the envelope: keys {list(document)}")
    compare(example(docs, name), document, "", out)
    print("\n".join(out))


main()
