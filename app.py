"""The Streamlit page: ``streamlit run app.py [-- --index DIR]`` (or set ``NOTICE_INDEX``).

All page code lives in the :mod:`ui` package; this file only makes the repo
importable and runs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from ui.main import run  # noqa: E402  (needs the path above)

run()
