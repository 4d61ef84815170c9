#!/usr/bin/env python
"""Django's manage.py; `hotline` is the same thing as a console script."""

from hotline.cli import main

if __name__ == "__main__":
    main()
