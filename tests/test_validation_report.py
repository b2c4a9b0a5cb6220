"""`make validation` regenerates docs/validation.md and its charts; here on few replications."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sim.validation.__main__ import build
from sim.validation.checks import erlang_c_wait_h

ROOT = Path(__file__).resolve().parent.parent


def test_report_has_every_section_and_valid_charts(tmp_path: Path) -> None:
    tiny = {"grid_replications": 1, "replications": 2, "executor": "serial", "write_ranges": False}
    out = build(tmp_path, replications=4, loo_options=tiny)
    text = out.read_text(encoding="utf-8")
    for heading in (
        "## Queueing theory: the acute queue against Erlang C",
        "## The real incidents against their published timelines",
        "## Sensitivity to the most uncertain parameters",
        "## Leave one incident out",
        "## What the model cannot say",
    ):
        assert heading in text
    for name in ("Sörmland", "Västra Götalandsregionen", "Västerbotten", "| hse-ireland-2021 |", "| kronoberg-2018 |"):
        assert name in text
    svgs = sorted((tmp_path / "validation").glob("*.svg"))
    assert len(svgs) >= 6
    for path in svgs:
        ET.parse(path)  # well-formed
        assert f"validation/{path.name}" in text


def test_committed_report_exists_and_names_its_charts() -> None:
    text = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("!["):
            target = line.split("](", 1)[1].rstrip(")")
            assert (ROOT / "docs" / target).is_file(), target


def test_erlang_c_reference_value() -> None:
    assert abs(erlang_c_wait_h(1.0, 1.0, 2) - 1 / 3) < 1e-12
