"""Chart PNGs for download. Plotly's image export (kaleido) drives a Chrome or Chromium; it is
offered only when kaleido is installed and a browser is found (BROWSER_PATH, or chromium on PATH)."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from typing import Any

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def browser_path() -> str | None:
    explicit = os.environ.get("BROWSER_PATH")
    if explicit:
        return explicit if os.path.exists(explicit) else None
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def png_available() -> bool:
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return False
    return browser_path() is not None


def png_zip(figures: dict[str, Any], width: int = 1200, height: int | None = None) -> bytes:
    """Every figure as NAME.png in one zip file."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, fig in figures.items():
            h = height or int(fig.layout.height or 450)
            zf.writestr(f"{name}.png", fig.to_image(format="png", width=width, height=h, scale=1))
    return out.getvalue()
