"""``python -m pgqueue``: the ``pgqueue`` command (see :mod:`pgqueue.cli`)."""

from __future__ import annotations

from pgqueue.cli import main

raise SystemExit(main())
