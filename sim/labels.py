"""Labels of the registry's names in the current language, for the places that only need a
label. The registry (sim/vocabulary.py) defines each label once, in English, and translates it by
that text where it is shown, so each term has one entry in the catalogue. Readiness levels are
the users' own words (normalläge, stabsläge, ...) in every language."""

from __future__ import annotations

from .vocabulary import READINESS_NAMES, catalogue_labels, kind_description, kind_label, kpi_label

__all__ = ["kind_description", "kind_label", "kpi_label", "readiness_label", "registry_msgids"]


def readiness_label(level: str) -> str:
    """The users' word for a readiness level (stabsläge), in every language."""
    return READINESS_NAMES.get(level, level)


def registry_msgids() -> list[str]:
    """Every label the registry defines as data, for the message catalogue."""
    return catalogue_labels()
