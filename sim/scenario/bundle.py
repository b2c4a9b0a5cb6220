"""A scenario and its region files as one zip, or region files given beside a scenario: read
with limits on entries and sizes, so that no upload can fill the memory or reach outside its
own folder. Every refusal says which entry and which limit."""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..i18n import _, count
from .loader import file_key

YAML_SUFFIXES = (".yaml", ".yml")
MAX_ENTRIES = 20
"""Most files a zip may hold (folders not counted)."""
MAX_TOTAL_FACTOR = 4
"""The files of a zip may hold at most this many times the per-file limit, unpacked."""


class BundleError(ValueError):
    """An upload that cannot be used: the message names the file or entry and the limit."""


@dataclass(frozen=True)
class Bundle:
    """A scenario's text and the region files beside it, by their path relative to it."""

    name: str
    text: bytes
    files: Mapping[str, bytes] = field(default_factory=dict)


def _is_scenario(raw: bytes) -> bool:
    """A scenario file has a top-level `region:` (a region file has `units:` instead)."""
    return any(line.startswith(b"region:") for line in raw.splitlines())


def _safe_name(name: str) -> str | None:
    key = file_key(name)
    if key.startswith(("/", "../")) or key == ".." or ":" in key.split("/")[0]:
        return None
    return key


def read_zip(raw: bytes, zip_name: str, max_file_bytes: int) -> Bundle:
    """The one scenario in a zip and its region files. Refused: a file that is not a zip, more
    than MAX_ENTRIES files, an entry over the per-file limit or all of them over
    MAX_TOTAL_FACTOR times it (by their stated and their real sizes), a path outside the zip's
    own folder, a file that is not YAML, and no scenario or more than one."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise BundleError(_("{file} is not a zip file that can be read.").format(file=zip_name)) from None
    if len(infos) > MAX_ENTRIES:
        raise BundleError(_("{file} holds {n} files; a zip may hold at most {limit}.").format(
            file=zip_name, n=count(len(infos)), limit=count(MAX_ENTRIES)))
    files: dict[str, bytes] = {}
    total = 0
    for info in infos:
        key = _safe_name(info.filename)
        if key is None:
            raise BundleError(_("{file}: the entry {entry} points outside the zip's folder.").format(
                file=zip_name, entry=info.filename))
        if posixpath.basename(key).startswith(".") or "__MACOSX" in key.split("/"):
            continue  # a packer's own files
        if not key.lower().endswith(YAML_SUFFIXES):
            raise BundleError(_("{file}: {entry} is not a YAML file; a zip holds a scenario and its region "
                                "files (.yaml).").format(file=zip_name, entry=key))
        if info.file_size > max_file_bytes:
            raise BundleError(_("{file}: {entry} is {size} bytes unpacked; each file may be at most {limit} "
                                "bytes.").format(file=zip_name, entry=key, size=count(info.file_size),
                                                  limit=count(max_file_bytes)))
        try:
            with archive.open(info) as f:
                data = f.read(max_file_bytes + 1)  # the stated size may lie
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise BundleError(_("{file}: {entry} cannot be unpacked ({reason}).").format(
                file=zip_name, entry=key, reason=type(exc).__name__)) from None
        if len(data) > max_file_bytes:
            raise BundleError(_("{file}: {entry} is over {limit} bytes unpacked.").format(
                file=zip_name, entry=key, limit=count(max_file_bytes)))
        total += len(data)
        if total > MAX_TOTAL_FACTOR * max_file_bytes:
            raise BundleError(_("{file}: its files unpack to more than {limit} bytes.").format(
                file=zip_name, limit=count(MAX_TOTAL_FACTOR * max_file_bytes)))
        files[key] = data
    scenarios = sorted(k for k, v in files.items() if _is_scenario(v))
    if len(scenarios) != 1:
        found = ", ".join(scenarios) if scenarios else _("none")
        raise BundleError(_("{file} must hold exactly one scenario (a file with a top-level `region:`); "
                            "found: {found}.").format(file=zip_name, found=found))
    main = scenarios[0]
    folder = posixpath.dirname(main)
    beside = {file_key(posixpath.relpath(k, folder) if folder else k): v for k, v in files.items() if k != main}
    return Bundle(main, files[main], beside)


def region_files(uploads: Mapping[str, bytes], max_file_bytes: int) -> dict[str, bytes]:
    """Region files uploaded one by one beside a scenario: by file name, so that `region: NAME`
    or `region: some/folder/NAME` finds them (see `match_regions`)."""
    out = {}
    for name, data in uploads.items():
        base = posixpath.basename(file_key(name))
        if not base.lower().endswith(YAML_SUFFIXES):
            raise BundleError(_("{file} is not a YAML file.").format(file=name))
        if len(data) > max_file_bytes:
            raise BundleError(_("{file} is {size} bytes; files up to {limit} bytes can be uploaded here.").format(
                file=name, size=count(len(data)), limit=count(max_file_bytes)))
        out[base] = data
    return out


def match_regions(scenario_text: str | bytes, uploaded: Mapping[str, bytes]) -> dict[str, bytes]:
    """The uploaded region files under the path the scenario's `region:` line names, when its file
    name is one of them (an upload has no folders, so `region: regions/mine.yaml` takes mine.yaml)."""
    raw = scenario_text.encode("utf-8") if isinstance(scenario_text, str) else scenario_text
    out = dict(uploaded)
    for line in raw.splitlines():
        if line.startswith(b"region:"):
            ref = line[len(b"region:"):].split(b"#")[0].strip().strip(b"'\"").decode("utf-8", "replace")
            base = posixpath.basename(file_key(ref)) if ref else ""
            if base in uploaded:
                out[file_key(ref)] = uploaded[base]
    return out
