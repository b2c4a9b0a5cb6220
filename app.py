"""The app: `streamlit run app.py`. Pick or upload a scenario, run it, see cancelled visits and
recovery time, compare strategies, and download the results; run drills.

The pages live in ui/pages/; each section below is one group in the sidebar. Each page has a
fixed address (url_path), whatever the language of its title. The participant page shows no
navigation: the people in the room see the drill and nothing else.
"""

from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st

from sim.i18n import _
from ui import errors, lang

st.set_option("client.toolbarMode", "viewer")  # no developer menu or deploy button for planners
lang.activate()
# The tab's icon is a file served by the app: a `:material/...:` icon would be fetched from a
# public font server, and the app makes no request to any other host.
st.set_page_config(page_title=_("Outage drill simulator"), page_icon=str(Path(__file__).parent / "ui" / "icon.png"),
                   layout="wide")

PARTICIPANT = "participant"


def pages() -> dict[str, list]:
    return {
        _("Plan and compare"): [
            st.Page("ui/pages/scenario.py", title=_("Scenario"), icon=":material/description:", default=True),
            st.Page("ui/pages/run.py", title=_("Run"), icon=":material/play_arrow:", url_path="run"),
            st.Page("ui/pages/results.py", title=_("Results"), icon=":material/monitoring:", url_path="results"),
            st.Page("ui/pages/compare.py", title=_("Compare"), icon=":material/compare_arrows:", url_path="compare"),
            st.Page("ui/pages/sensitivity.py", title=_("Sweeps and sensitivity"), icon=":material/tune:",
                    url_path="sensitivity"),
            st.Page("ui/pages/downloads.py", title=_("Downloads"), icon=":material/download:", url_path="downloads"),
        ],
        _("Drill"): [
            st.Page("ui/pages/drill.py", title=_("Drill"), icon=":material/groups:", url_path="drill"),
            st.Page("ui/pages/participant.py", title=_("Participant view"), icon=":material/co_present:",
                    url_path=PARTICIPANT),
        ],
    }


def on_participant_page() -> bool:
    url = st.context.url or ""
    return urlsplit(url).path.rstrip("/").endswith("/" + PARTICIPANT)


participant = on_participant_page()
page = st.navigation(pages(), position="hidden" if participant else "sidebar")
if not participant:
    lang.switch()
errors.guarded(page.run)
