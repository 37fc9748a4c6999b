#!/usr/bin/env python3
"""Layers call down: fail when a C file calls a function of a layer above its own.

For each directory in LAYERS, every .c file directly in it must be listed in
one layer (lowest first; files of one layer may call each other).  The
functions each file defines with external linkage are read from the sources;
a call is an identifier followed by '(' outside comments, strings and
character constants.  A call from a file to a function another file of the
table defines is an error when that file's layer is higher.  ARCHITECTURE.md
describes the same layers.

usage: layers-check.py [SOURCE_DIR]
"""
import os
import re
import sys

# Lowest layer first: (layer name, [module names, i.e. file names without .c]).
LAYERS = {
    "daemon": [
        ("base", ["daemon", "config", "acl", "peer", "serial", "watch", "socks",
                  "events"]),
        ("board link", ["board_link"]),
        ("board session", ["board_session"]),
        ("board requests", ["board_req"]),
        ("board sockets", ["board_sock", "board_sock_flow"]),
        ("board device and WiFi", ["board_device", "board_wifi"]),
        ("client pipe", ["client_pipe"]),
        ("client connection", ["client"]),
        ("report", ["report"]),
        ("client front ends", ["client_socks", "client_native", "client_sock"]),
        ("service", ["notify", "server", "main"]),
    ],
    "firmware-shim/core": [
        ("base", ["txt", "ring", "pool", "at", "fairq"]),
        ("event log", ["evlog"]),
        ("host link", ["host"]),
        ("answers", ["req"]),
        ("AT engine", ["esp"]),
        ("boot and WiFi", ["boot", "wifi"]),
        ("sockets", ["sock"]),
        ("socket scheduling", ["sock_serve"]),
        ("socket notices", ["sock_urc"]),
        ("socket commands and host requests", ["sock_esp", "sock_host"]),
        ("dispatcher", ["shim"]),
    ],
}

TOKEN = re.compile(
    r"""/\*.*?\*/            # block comment
      | //[^\n]*             # line comment
      | "(?:\\.|[^"\\\n])*"  # string
      | '(?:\\.|[^'\\\n])*'  # character constant
      | ^[ \t]*\#[^\n]*(?:\\\n[^\n]*)*   # preprocessor line
    """, re.S | re.X | re.M)
CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "_Alignof", "defined",
            "__attribute__", "_Static_assert", "_Generic"}


def strip(src):
    """Comments, strings, character constants and preprocessor lines blanked
    (newlines kept, so that line numbers still hold)."""
    return TOKEN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), src)


def definitions(code):
    """Names of the functions a file defines with external linkage: at brace
    depth 0, NAME( ... ) followed by '{', not declared static."""
    names = set()
    depth = 0
    i = 0
    stmt_start = 0
    while i < len(code):
        ch = code[i]
        if ch == "{":
            if depth == 0:
                head = code[stmt_start:i]
                m = re.search(r"\b([A-Za-z_]\w*)\s*\((?:[^()]|\([^()]*\))*\)\s*$", head)
                if m and not re.search(r"\bstatic\b", head) and "=" not in head:
                    names.add(m.group(1))
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                stmt_start = i + 1
        elif ch == ";" and depth == 0:
            stmt_start = i + 1
        i += 1
    return names


def check(root, directory, layers):
    errors = []
    path = os.path.join(root, directory)
    rank = {}
    for level, (_, modules) in enumerate(layers):
        for mod in modules:
            if mod in rank:
                errors.append("%s: %s.c listed twice" % (directory, mod))
            rank[mod] = level
    sources = sorted(f[:-2] for f in os.listdir(path) if f.endswith(".c"))
    for mod in sources:
        if mod not in rank:
            errors.append("%s/%s.c: not in the layer table of tests/layers-check.py"
                          % (directory, mod))
    for mod in rank:
        if mod not in sources:
            errors.append("%s: the layer table names %s.c, which does not exist"
                          % (directory, mod))
    code = {}
    owner = {}
    for mod in sources:
        with open(os.path.join(path, mod + ".c"), encoding="utf-8") as f:
            code[mod] = strip(f.read())
        for name in definitions(code[mod]):
            owner[name] = mod
    for mod in sources:
        if mod not in rank:
            continue
        for m in CALL.finditer(code[mod]):
            name = m.group(1)
            callee = owner.get(name)
            if name in KEYWORDS or callee is None or callee == mod or callee not in rank:
                continue
            if rank[callee] > rank[mod]:
                line = code[mod].count("\n", 0, m.start()) + 1
                errors.append("%s/%s.c:%d: calls %s() of %s.c, a higher layer (%s above %s)"
                              % (directory, mod, line, name, callee, layers[rank[callee]][0],
                                 layers[rank[mod]][0]))
    return errors, len(sources), len(owner)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    failed = False
    for directory, layers in LAYERS.items():
        errors, nfiles, nfuncs = check(root, directory, layers)
        for e in errors:
            print(e)
        failed |= bool(errors)
        print("%s: %d files, %d functions, %d layers: %s" % (
            directory, nfiles, nfuncs, len(layers), "FAILED" if errors else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
