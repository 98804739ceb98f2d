#!/usr/bin/env python
"""Django's command-line utility for DataOps."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dataops.settings")
    from dataops import localenv

    localenv.apply()  # a checkout's own secret key and local hosts when none are set
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
