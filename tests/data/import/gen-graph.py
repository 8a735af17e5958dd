#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes a Topology Zoo-style GraphML graph of N routers for import tests.

    tests/data/import/gen-graph.py N [SEED] > graph.graphml

Routers are scattered over Europe (random coordinates, fixed seed), each
joined to its two nearest neighbours, plus one long link per 20 routers:
a connected-looking network of about 1.5 N links, some of them parallel.
"""
import math
import random
import sys
from xml.sax.saxutils import escape


def main():
    n = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 16)
    pts = [(rng.uniform(36, 70), rng.uniform(-10, 40)) for _ in range(n)]
    edges = []
    for i, (la, lo) in enumerate(pts):
        near = sorted(range(n), key=lambda j: (pts[j][0] - la) ** 2 +
                      ((pts[j][1] - lo) * math.cos(math.radians(la))) ** 2)
        edges += [(i, j) for j in near[1:3]]
    edges += [(rng.randrange(n), rng.randrange(n)) for _ in range(n // 20)]
    edges = [(a, b) for a, b in edges if a != b]
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
           '  <key attr.name="Network" attr.type="string" for="graph" id="d0" />',
           '  <key attr.name="label" attr.type="string" for="node" id="d1" />',
           '  <key attr.name="Latitude" attr.type="double" for="node" id="d2" />',
           '  <key attr.name="Longitude" attr.type="double" for="node" id="d3" />',
           '  <graph edgedefault="undirected">',
           '    <data key="d0">Generated %d</data>' % n]
    for i, (la, lo) in enumerate(pts):
        out.append('    <node id="%d"><data key="d1">%s</data><data key="d2">%.5f</data>'
                   '<data key="d3">%.5f</data></node>' % (i, escape("Router %d" % i), la, lo))
    for a, b in edges:
        out.append('    <edge source="%d" target="%d" />' % (a, b))
    out += ['  </graph>', '</graphml>']
    print('\n'.join(out))


if __name__ == '__main__':
    main()
