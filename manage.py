#!/usr/bin/env python
"""Django's command-line utility; `joinedup` (the console script) is the friendlier front door."""

import sys

from joinedup.cli import main

if __name__ == "__main__":
    sys.exit(main(["manage", *sys.argv[1:]]))
