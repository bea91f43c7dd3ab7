#!/usr/bin/env python3
"""Runs the shared conformance cases listed in an expected-pass file.

Exits 77 (skipped) when ../shared/conformance is not beside the checkout,
0 when every listed case passes, 1 otherwise.
"""
import argparse
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFORMANCE = os.path.join(os.path.dirname(TOP), "shared", "conformance")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--expected", required=True)
    args = parser.parse_args()
    runner = os.path.join(CONFORMANCE, "run.py")
    if not os.path.isfile(runner):
        print(f"skipped: {CONFORMANCE} is not here")
        return 77
    with open(args.expected) as f:
        names = [line.split("#")[0].strip() for line in f]
    cases = [os.path.join(CONFORMANCE, n) for n in names if n]
    missing = [c for c in cases if not os.path.isdir(c)]
    if missing:
        print("expected cases not found: " + ", ".join(missing))
        return 1
    return subprocess.call([sys.executable, runner, "--bin", args.bin] + cases)


if __name__ == "__main__":
    sys.exit(main())
