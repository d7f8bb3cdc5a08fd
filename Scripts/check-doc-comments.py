#!/usr/bin/env python3
"""Lists the public symbols that have no doc comment of their own.

    Scripts/check-doc-comments.py SYMBOL_GRAPH_DIR...

Each directory holds one module's symbol graphs, as swift-docc-plugin has SwiftPM extract them
(`<Module>.symbols.json`, and `<Module>@<Other>.symbols.json` for extensions of other modules'
types); the module is the directory's name. A comment inherited from a protocol requirement (a
`description` that only repeats CustomStringConvertible's) does not count, nor does anything
without a place in the source to write one: members the compiler synthesizes (an enum's
`init(rawValue:)`, Codable's `init(from:)`, protocols' default implementations). Prints
`Sources/...swift:LINE: Module.Type.member` per undocumented symbol; exits 1 when there is any.
"""
import json
import os
import sys
from urllib.parse import unquote, urlparse


def main() -> int:
    directories = sys.argv[1:]
    if not directories:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = os.getcwd()
    missing = set()
    counted = 0
    for directory in directories:
        module = os.path.basename(os.path.normpath(directory))
        names = [n for n in os.listdir(directory) if n == f"{module}.symbols.json" or n.startswith(f"{module}@")]
        if f"{module}.symbols.json" not in names:
            print(f"error: no symbol graph for {module} in {directory}", file=sys.stderr)
            return 2
        for name in sorted(names):
            with open(os.path.join(directory, name)) as file:
                graph = json.load(file)
            for symbol in graph["symbols"]:
                if "::SYNTHESIZED::" in symbol["identifier"]["precise"]:
                    continue  # a protocol's default implementation, documented where it is written
                if symbol["accessLevel"] not in ("public", "open"):
                    continue
                if symbol["kind"]["identifier"] == "swift.extension":
                    continue  # an extension block: its members are checked one by one
                location = symbol.get("location")
                if location is None:
                    continue  # written by the compiler: no source line to put a comment on
                counted += 1
                comment = symbol.get("docComment") or {}
                own = comment.get("module", module) == module
                if own and any(line.get("text", "").strip() for line in comment.get("lines", [])):
                    continue
                path = unquote(urlparse(location.get("uri", "")).path)
                if path.startswith(root + "/"):
                    path = path[len(root) + 1:]
                line = location.get("position", {}).get("line", -1) + 1
                missing.add(f"{path}:{line}: {module}.{'.'.join(symbol['pathComponents'])}")
    for entry in sorted(missing):
        print(entry)
    print(f"{len(missing)} of {counted} public symbols have no doc comment of their own")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
