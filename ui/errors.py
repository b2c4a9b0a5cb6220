"""An unexpected error on a page: the person at the screen gets a short message with a reference
and no server paths; the server's log gets the traceback under the same reference. With
SIM_DEBUG=1 (developers, the tests) the error is raised as it is, and Streamlit shows it."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable

import streamlit as st

from sim.i18n import _

LOG = logging.getLogger("outage_drill_sim.app")


def guarded(run: Callable[[], None]) -> None:
    """Run a page; an exception that is not Streamlit's own control flow is logged and shown
    briefly (Streamlit's rerun and stop are not `Exception`s and pass through)."""
    try:
        run()
    except Exception as exc:
        if os.environ.get("SIM_DEBUG"):
            raise
        reference = secrets.token_hex(4)
        LOG.error("unexpected error %s on the page", reference, exc_info=exc)
        st.error(_(
            "Something went wrong on the server ({kind}). It has been logged as {reference}: "
            "reload the page and try again, or give that reference to whoever runs the server."
        ).format(kind=type(exc).__name__, reference=reference))
