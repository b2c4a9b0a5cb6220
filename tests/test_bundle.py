"""A scenario and its region files as one zip, or region files beside a scenario: used when
sound, refused with the entry and the limit named otherwise."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from sim.scenario import load_scenario_text
from sim.scenario.bundle import MAX_ENTRIES, BundleError, match_regions, read_zip, region_files

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = (ROOT / "scenarios" / "vgr-login-2022.yaml").read_text(encoding="utf-8")
REF = next(ln for ln in SCENARIO.splitlines() if ln.startswith("region:")).split(":", 1)[1].strip()
REGION = (ROOT / "scenarios" / REF).read_bytes()
LIMIT = 1_000_000


def zipped(entries: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_zip_gives_its_scenario_and_the_region_beside_it_which_then_loads():
    text = SCENARIO.replace(f"region: {REF}", "region: regions/mine.yaml")
    bundle = read_zip(zipped({"x/s.yaml": text, "x/regions/mine.yaml": REGION, "x/.DS_Store": b""}), "a.zip", LIMIT)
    assert bundle.name == "x/s.yaml" and set(bundle.files) == {"regions/mine.yaml"}
    scenario = load_scenario_text(bundle.text, "s.yaml", files=bundle.files)
    assert scenario.region.units


@pytest.mark.parametrize(("entries", "words"), [
    ({f"r{i}.yaml": b"units: []" for i in range(MAX_ENTRIES + 1)}, f"at most {MAX_ENTRIES}"),
    ({"../evil.yaml": b"region: x"}, "points outside"),
    ({"/abs.yaml": b"region: x"}, "points outside"),
    ({"s.yaml": b"region: x", "notes.txt": b"hi"}, "not a YAML file"),
    ({"s.yaml": b"region: a", "t.yaml": b"region: b"}, "exactly one scenario"),
    ({"r.yaml": b"units: []"}, "found: none"),
    ({"s.yaml": b"region: x\n" + b"#" * (LIMIT + 1)}, "each file may be at most"),
])
def test_a_zip_past_a_limit_is_refused_naming_it(entries, words):
    with pytest.raises(BundleError, match=words):
        read_zip(zipped(entries), "up.zip", LIMIT)


def test_a_zip_bomb_is_refused_without_unpacking_it_whole():
    bomb = zipped({f"r{i}.yaml": b"#" * (LIMIT - 10) for i in range(6)} | {"s.yaml": b"region: r0.yaml"})
    assert len(bomb) < LIMIT // 50
    with pytest.raises(BundleError, match="unpack to more than"):
        read_zip(bomb, "bomb.zip", LIMIT)


def test_not_a_zip_is_refused():
    with pytest.raises(BundleError, match="not a zip file"):
        read_zip(b"PK\x03\x04 broken", "x.zip", LIMIT)


def test_loose_region_files_are_found_by_the_name_the_scenario_gives():
    text = SCENARIO.replace(f"region: {REF}", "region: 'some/folder/mine.yaml'  # ours")
    files = match_regions(text, region_files({"mine.yaml": REGION}, LIMIT))
    assert load_scenario_text(text, "s.yaml", files=files).region.units
    with pytest.raises(BundleError, match="not a YAML file"):
        region_files({"mine.txt": REGION}, LIMIT)
    with pytest.raises(BundleError, match="bytes"):
        region_files({"big.yaml": b"#" * (LIMIT + 1)}, LIMIT)


def test_a_missing_region_file_is_still_reported_on_its_line():
    text = SCENARIO.replace(f"region: {REF}", "region: regions/nowhere.yaml")
    from sim.scenario import problems_in_text

    problems = problems_in_text(text, "s.yaml", ROOT / "scenarios", files={"other.yaml": REGION})
    assert any(p.path == "region" and "not found" in p.message for p in problems)
