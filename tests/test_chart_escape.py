"""User text in a chart never becomes a link or a tag: every chart passes through safe_figure."""

from __future__ import annotations

import plotly.graph_objects as go

from sim.charts import dependency_graph
from sim.reports.escape import plot_markup, safe_figure
from sim.scenario import load_scenario_text

LINK = '<a href="https://example.org/x">click</a>'


def test_own_markup_stays_and_foreign_tags_are_shown_as_written():
    assert plot_markup("a<br><sup>b</sup> <b>c</b><extra></extra>") == "a<br><sup>b</sup> <b>c</b><extra></extra>"
    assert plot_markup(LINK) == '&lt;a href="https://example.org/x">click&lt;/a>'
    assert plot_markup('<span style="font-size:99px">x</span>') == '&lt;span style="font-size:99px">x&lt;/span>'
    assert plot_markup("<b onclick=x>") == "&lt;b onclick=x>"


def test_every_text_of_a_figure_is_cleaned():
    fig = go.Figure(go.Bar(x=[LINK, "b"], y=[1, 2], name=LINK, text=[LINK, "ok"], hovertemplate=LINK + "<extra></extra>"))
    fig.add_annotation(text=LINK, x=0, y=0)
    fig.update_layout(title=dict(text=LINK), xaxis=dict(title=dict(text=LINK), ticktext=[LINK], tickvals=[0]))
    safe_figure(fig)
    shown = fig.to_json()
    assert "<a href" not in shown and "\\u003ca href" not in shown
    assert "<extra></extra>" in fig.data[0].hovertemplate


def test_a_unit_named_as_a_link_is_not_a_link_in_the_dependency_chart(minimal_scenario_yaml):
    text = minimal_scenario_yaml.replace("name: Public primary care", f"name: '{LINK}'", 1)
    assert LINK in text
    sc = load_scenario_text(text)
    fig = dependency_graph(sc)
    assert "<a href" not in fig.to_json().replace("\\u003c", "<")
