#!/usr/bin/env python3
"""Builds a large local image tree of hard links for listing benchmarks.

usage: link-tree.py ROOT SOURCE CLASSES PER_CLASS [FIRST LAST]
ROOT/Class 0000/0.jpg ... : CLASSES folders of PER_CLASS hard links, round-robin over every .jpg under SOURCE
(ext4 allows 65,000 links per inode, so the links are spread over all source files). FIRST LAST: only those
class folders (run several processes in parallel); links already there are kept. Delete with rm -rf ROOT.
"""
import os
import sys
import time

root, source, classes, per_class = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
jpegs = sorted(os.path.abspath(os.path.join(d, f)) for d, _, fs in os.walk(source) for f in fs if f.endswith(".jpg"))
if classes * per_class // len(jpegs) >= 65000:
    sys.exit("too many links per source file for ext4 (65,000 per inode)")
first, last = (int(sys.argv[5]), int(sys.argv[6])) if len(sys.argv) > 6 else (0, classes - 1)
t0 = time.time()
n = first * per_class
for c in range(first, last + 1):
    d = os.path.join(root, "Class %04d" % c)
    os.makedirs(d, exist_ok=True)
    for i in range(per_class):
        target = os.path.join(d, "%d.jpg" % i)
        if not os.path.exists(target):
            os.link(jpegs[n % len(jpegs)], target)
        n += 1
print("tree: folders %d-%d (%d links) under %s in %.1f s" % (first, last, n - first * per_class, root, time.time() - t0))
