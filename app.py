"""The app: `streamlit run app.py`. Pick or upload a scenario, run it, see cancelled visits and
recovery time, compare strategies, and download the results.

The pages live in ui/pages/; each section below is one group in the sidebar. To add pages (the
drill pages, ui/pages/drill*.py), add a section to PAGES.
"""

from pathlib import Path

import streamlit as st

st.set_option("client.toolbarMode", "viewer")  # no developer menu or deploy button for planners
# The tab's icon is a file served by the app: a `:material/...:` icon would be fetched from a
# public font server, and the app makes no request to any other host.
st.set_page_config(page_title="Outage drill simulator", page_icon=str(Path(__file__).parent / "ui" / "icon.png"), layout="wide")

PAGES = {
    "Plan and compare": [
        st.Page("ui/pages/scenario.py", title="Scenario", icon=":material/description:", default=True),
        st.Page("ui/pages/run.py", title="Run", icon=":material/play_arrow:"),
        st.Page("ui/pages/results.py", title="Results", icon=":material/monitoring:"),
        st.Page("ui/pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("ui/pages/downloads.py", title="Downloads", icon=":material/download:"),
    ],
    "Drill": [
        st.Page("ui/pages/drill.py", title="Drill", icon=":material/groups:", url_path="drill"),
        st.Page("ui/pages/participant.py", title="Participant view", icon=":material/co_present:",
                url_path="participant"),
    ],
}

st.navigation(PAGES).run()
