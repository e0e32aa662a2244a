#!/usr/bin/env python3
"""Which file of a program calls which: fails when one calls a file listed
after it in its directory's meson.build sources of the program (trackd's:
the dependency order the README's "How trackd is built" describes), which
also rules out circles.

A file "calls" another when it names a function the other defines (not
static). Comments and string literals are ignored. Rough by design (no
preprocessor), and enough for one-noun files with prefixed names.

	check-calls.py DIR [PROGRAM] [-v]      (PROGRAM: trackd by default)
"""
import os
import re
import sys


def strip(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    # A struct's tag is no call of the function of the same name
    # (struct store_occupancy, store_occupancy()).
    text = re.sub(r'\bstruct\s+\w+', 'struct', text)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def main():
    server = sys.argv[1]
    verbose = '-v' in sys.argv[2:]
    names = [a for a in sys.argv[2:] if a != '-v']
    program = names[0] if names else 'trackd'
    build = open(os.path.join(server, 'meson.build')).read()
    at = re.search(r"(executable|static_library)\('%s'," % re.escape(program),
                   build)
    sources = build[at.start():]
    sources = sources[:sources.index('dependencies:')]
    order = re.findall(r"'([\w.-]+\.c)'", sources)
    text = {f: strip(open(os.path.join(server, f)).read()) for f in order}
    defs = {}
    for f in order:
        for m in re.finditer(r'^([a-z_]\w*)\(', text[f], re.M):
            line = text[f].rfind('\n', 0, m.start() - 1)
            if not text[f][line + 1:m.start()].startswith('static'):
                defs.setdefault(m.group(1), f)
    bad = 0
    for i, f in enumerate(order):
        for name, g in sorted(defs.items()):
            if g == f or not re.search(r'\b%s\b' % name, text[f]):
                continue
            if verbose:
                print('%s -> %s: %s' % (f, g, name))
            if order.index(g) > i:
                print('%s calls %s (%s), listed after it' % (f, g, name))
                bad += 1
    print('%d files, %d calls against the order' % (len(order), bad))
    return 1 if bad else 0


sys.exit(main())
