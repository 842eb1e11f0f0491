"""Plotly figures as plain data: the part of plotly's figure API the report charts use.

plotly.py checks every property of every trace against its schema as a figure is built, which
costs 10-20 ms a chart: more than the SQL behind most report pages. The charts only ever hand
known-good literals to plotly.js, so they build the same JSON directly: `Bar(...)` is the trace
dict plotly.py would have produced, `Figure` merges layout updates as plotly.py does, and
`to_plotly_json()` gives what the page hands to plotly.js, with plotly.py's default template so
the charts look as they did. The tests pass every chart through `plotly.graph_objects.Figure`,
which validates it against the schema.

Read access mirrors plotly's for the tests and callers: `figure.data[0].x`,
`figure.layout.xaxis.type`.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any


class Spec(dict):
    """A dict whose keys read as attributes (None when absent), as plotly's objects do."""

    def __getattr__(self, name: str) -> Any:
        value = self.get(name)
        return Spec(value) if isinstance(value, dict) and not isinstance(value, Spec) else value


def _merge(into: dict, changes: dict) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = Spec(value) if isinstance(value, dict) else value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@cache
def _template() -> dict:
    """plotly.py's default template ("plotly"), as its figures carry it; built once."""
    import plotly.io as pio

    return pio.templates[pio.templates.default].to_plotly_json()


def _trace(kind: str):
    def build(**properties) -> Spec:
        return Spec(type=kind, **properties)

    return build


Bar = _trace("bar")
Scatter = _trace("scatter")
Funnel = _trace("funnel")
Waterfall = _trace("waterfall")


class Figure:
    def __init__(self, trace: dict | None = None) -> None:
        self.data: list[Spec] = [] if trace is None else [Spec(trace)]
        self.layout = Spec()

    def add_trace(self, trace: dict) -> Figure:
        self.data.append(Spec(trace))
        return self

    def update_layout(self, **changes) -> Figure:
        _merge(self.layout, changes)
        return self

    def update_xaxes(self, **changes) -> Figure:
        return self.update_layout(xaxis=changes)

    def update_yaxes(self, **changes) -> Figure:
        return self.update_layout(yaxis=changes)

    def to_plotly_json(self) -> dict:
        return {"data": _plain(self.data), "layout": {**_plain(self.layout), "template": _template()}}
