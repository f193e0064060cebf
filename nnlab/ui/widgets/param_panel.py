"""The parameter panel: one row per knob with its unit and range; invalid input is refused in place.

Rows sit in one three-column grid (name, field, unit and range) so the panel costs three
widgets per knob; knobs that have no effect with the present settings are hidden.
"""

from __future__ import annotations

import tomllib
from typing import Any, Callable

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from nnlab.core.knobs import Knob, ParamError, ParamsBase, check_value, field_types, knobs_of
from nnlab.ui.messages import ParamsChanged


def range_text(k: Knob, tp: Any) -> str:
    """Compact unit and range, e.g. "ms (0,1]"."""
    if k.choices or tp is str or tp is bool:
        return ""
    if k.lo is None and k.hi is None:
        rng = ""
    else:
        lo = "-inf" if k.lo is None else f"{k.lo:g}"
        hi = "inf" if k.hi is None else f"{k.hi:g}"
        rng = ("(" if k.lo is None or k.lo_open else "[") + f"{lo},{hi}" + (")" if k.hi is None or k.hi_open else "]")
    return f"{k.unit} {rng}".strip()


def value_text(v: Any) -> str:
    """A knob value as the user types it."""
    if isinstance(v, tuple):
        return ", ".join(x if isinstance(x, str) else f"{x:g}" for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def parse(text: str, tp: Any) -> Any:
    """What the user typed, as a Python value for `check_value` (numbers, lists, or the raw text)."""
    text = text.strip()
    if tp in (tuple[float, ...], tuple[int, ...]):
        text = f"[{text}]" if not text.startswith("[") else text
    if tp == tuple[str, ...] and not text.startswith("["):
        items = [item.strip().strip('"') for item in text.split(",") if item.strip()]
        return items
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _field(widget: Widget) -> str | None:
    """The knob a panel field edits (its id is "p-<knob>")."""
    wid = widget.id or ""
    return wid[2:] if wid.startswith("p-") else None


class ParamPanel(Widget):
    """Every knob of a Params object; posts ParamsChanged when the user enters a valid value."""

    DEFAULT_CSS = """
    ParamPanel { layout: vertical; }
    ParamPanel > VerticalScroll { height: 1fr; scrollbar-size-vertical: 1; }
    ParamPanel Grid { grid-size: 3; grid-columns: 14 8 1fr; grid-rows: 1; height: auto; }
    ParamPanel .name { color: $text-muted; width: 100%; }
    ParamPanel .hint { color: $text-muted; padding-left: 1; width: 100%; }
    ParamPanel Select { column-span: 2; width: 100%; }
    ParamPanel Input.-invalid { background: $error 30%; }
    ParamPanel .-unused { display: none; }
    ParamPanel > #param-help { height: auto; max-height: 3; color: $text-muted; }
    ParamPanel > #param-help.-error { color: $error; }
    """

    class Done(Message):
        """A value was entered or chosen: the lab may take the focus back."""

    def __init__(self, params: ParamsBase, switch_model: Callable[[str], ParamsBase] | None = None, *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.params = params
        """The values shown (the last valid ones)."""
        self.switch_model = switch_model
        """Default Params of another model, for labs whose `model` knob changes the Params class."""
        self._loading = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="param-rows"):
            yield Grid(*self._cells(self.params), id="param-grid")
        yield Static("Enter applies a value", id="param-help", markup=False)

    def _cells(self, params: ParamsBase) -> list[Widget]:
        types = field_types(type(params))
        unused = params.unused()
        cells: list[Widget] = []
        for name, (_, k) in knobs_of(type(params)).items():
            value = getattr(params, name)
            tip = f"{name}: {k.doc}" + (f" ({k.source})" if k.source else "")
            row = f"r-{name}" + (" -unused" if name in unused else "")
            cells.append(Label(name, classes=f"name {row}").with_tooltip(tip))
            if k.choices and types[name] is str:
                cells.append(Select([(c, c) for c in k.choices], value=value, allow_blank=False, compact=True,
                                    id=f"p-{name}", classes=row).with_tooltip(tip))
            else:
                rng = range_text(k, types[name])
                cells.append(Input(value_text(value), compact=True, id=f"p-{name}", classes=row)
                             .with_tooltip(f"{tip}; {rng}; Enter applies"))
                cells.append(Label(rng, classes=f"hint {row}"))
        return cells

    def _show_used(self) -> None:
        unused = self.params.unused()
        for name in knobs_of(type(self.params)):
            for widget in self.query(f".r-{name}"):
                if widget.has_class("-unused") != (name in unused):
                    widget.set_class(name in unused, "-unused")

    async def load(self, params: ParamsBase) -> None:
        """Show `params`: new rows when the class changed, else new values."""
        self._loading = True
        try:
            if type(params) is not type(self.params):
                grid = self.query_one("#param-grid", Grid)
                await grid.remove_children()
                await grid.mount_all(self._cells(params))
            else:
                for name in knobs_of(type(params)):
                    widget = self.query_one(f"#p-{name}")
                    value = getattr(params, name)
                    if isinstance(widget, Select):
                        if widget.value != value:
                            widget.value = value
                    elif isinstance(widget, Input):
                        widget.value = value_text(value)
                        widget.remove_class("-invalid")
            self.params = params
            self._show_used()
            self._say("Enter applies a value")
        finally:
            self.call_after_refresh(self._done_loading)

    def _done_loading(self) -> None:
        self._loading = False

    def _say(self, text: str, error: bool = False) -> None:
        help_line = self.query_one("#param-help", Static)
        help_line.update(text)
        help_line.set_class(error, "-error")

    def _knob(self, name: str) -> tuple[Knob, Any]:
        return knobs_of(type(self.params))[name][1], field_types(type(self.params))[name]

    def _apply(self, name: str, raw: Any, widget: Widget) -> bool:
        cls = type(self.params)
        try:
            value = check_value(cls, name, raw)
            if name == "model" and self.switch_model is not None:
                new = self.switch_model(value) if value != self.params.model else self.params
            else:
                new = self.params.replace(**{name: value})
        except ParamError as exc:
            widget.add_class("-invalid")
            self._say(f"{exc.name}: expected {exc.expected}, found {exc.found}", error=True)
            return False
        widget.remove_class("-invalid")
        if new == self.params:
            return True
        self._say(f"{name} = {value_text(getattr(new, name))}")
        if type(new) is type(self.params):
            self.params = new
            self._show_used()
        self.post_message(ParamsChanged(new))
        return True

    def on_descendant_focus(self, event: Any) -> None:
        name = _field(event.widget)
        if name in knobs_of(type(self.params)):
            k, tp = self._knob(name)
            rng = range_text(k, tp)
            self._say(f"{name}: {k.doc}" + (f" {rng}" if rng else ""))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = _field(event.input)
        if name is not None and self._apply(name, parse(event.value, self._knob(name)[1]), event.input):
            self.post_message(self.Done())

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        name = _field(event.input)
        if self._loading or name is None or not event.input.has_focus:
            return
        try:
            check_value(type(self.params), name, parse(event.value, self._knob(name)[1]))
        except ParamError as exc:
            event.input.add_class("-invalid")
            self._say(f"{exc.name}: expected {exc.expected}, found {exc.found}", error=True)
        else:
            event.input.remove_class("-invalid")
            self._say(f"{name}: Enter applies")

    def on_input_blurred(self, event: Input.Blurred) -> None:
        name = _field(event.input)
        if name is None or name not in knobs_of(type(self.params)):
            return
        shown = value_text(getattr(self.params, name))
        if event.value == shown:
            return
        refused = event.input.has_class("-invalid")
        event.input.value = shown
        event.input.remove_class("-invalid")
        what = "refused" if refused else "not applied (Enter applies)"
        self._say(f"{name}: {what}; it stays {shown}")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        name = _field(event.select)
        if self._loading or name is None or event.value == getattr(self.params, name, None):
            return
        if self._apply(name, event.value, event.select):
            self.post_message(self.Done())
