"""Downloads page: the KPI table (CSV), the JSON summary, a self-contained HTML report, and every
chart (the scenario's, the results' and the comparison's) as PNG images where this server can
export them."""

from __future__ import annotations

import json

import streamlit as st

from sim.i18n import _
from sim.reports import kpi_csv, kpi_xlsx
from sim.reports.html import html_report
from ui import cut, export, view


def main() -> None:
    st.title(_("Downloads"))
    result = view.last_results(_("No results yet: run the scenario first."))
    if result is None:
        return
    exp = result.experiment
    sc = exp.scenario
    st.markdown(view.page_text("downloads"))
    stem = sc.name
    strategies = list(exp.runs)
    c1, c2 = st.columns(2)
    strategy = c1.selectbox(_("Strategy drawn in the report's recovery curve and timeline"), strategies,
                            format_func=view.strategy_names(sc).get, key="downloads_strategy")
    baseline = c2.selectbox(_("Baseline of the report's comparison"), strategies,
                            index=strategies.index("baseline") if "baseline" in strategies else 0,
                            format_func=view.strategy_names(sc).get, key="downloads_baseline")

    chosen = cut.kept(result)
    summary = cut.summary(result, chosen)
    st.caption(cut.caption(result, chosen) + " " + _("The Results and Compare pages choose the days and unit kinds counted."))
    st.download_button(_("KPI table (CSV)"), kpi_csv(summary), file_name=f"{stem}-kpis.csv",
                       mime="text/csv", icon=":material/table:", on_click="ignore", key="dl-csv")
    st.download_button(_("KPI table (Excel)"), kpi_xlsx(summary), file_name=f"{stem}-kpis.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/table:", on_click="ignore", key="dl-xlsx")
    st.download_button(_("JSON summary"), json.dumps(summary, indent=2, ensure_ascii=False),
                       file_name=f"{stem}-summary.json", mime="application/json",
                       icon=":material/data_object:", on_click="ignore", key="dl-json")
    lang = st.session_state.get("ui_language")

    def report() -> str:
        from sim.i18n import using

        with using(lang):  # the download runs in a thread of its own
            return html_report(exp, summary, strategy=strategy, baseline=baseline)

    st.download_button(_("HTML report (works offline)"), report, file_name=f"{stem}-report.html",
                       mime="text/html", icon=":material/article:", on_click="ignore", key="dl-html")
    if export.png_available():
        def pngs() -> bytes:
            from sim.i18n import using

            with using(lang):
                return export.png_zip(export.all_figures(exp, summary, strategy, baseline))

        st.download_button(_("Every chart as a PNG image (zip)"), pngs, file_name=f"{stem}-charts.zip",
                           mime="application/zip", icon=":material/image:", on_click="ignore", key="dl-png")
        st.caption(_("The scenario's, the results' and the comparison's charts, drawn in one browser "
                     "session: a dozen charts take some 15 seconds."))
    else:
        st.caption(_("PNG export is not set up on this server (it needs the kaleido package and "
                     "Chromium). Each chart's camera button in the app saves it as a PNG instead."))


main()
