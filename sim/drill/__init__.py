"""Drill mode: a tabletop exercise played on the simulation. The group's decisions become the
drill's own timeline; injects arrive at their time or when their condition holds; what-if
previews show each option's consequences; the hot wash checks the expected actions; the
after-action report and the MSEL are written from here. No streamlit in this package."""

from .session import DEFAULT_REPLICATIONS, Drill, DrillError, Entry, Improvement, Note

__all__ = ["DEFAULT_REPLICATIONS", "Drill", "DrillError", "Entry", "Improvement", "Note"]
