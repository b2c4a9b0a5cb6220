"""Where the tests find the project's shipped files: the app and the scenarios."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
SORMLAND = ROOT / "scenarios" / "sormland-network-2022.yaml"
APP_TIMEOUT = 120
"""Seconds an AppTest run may take on a loaded machine."""
