"""The parameter panel: one row per knob with its unit and range; invalid input is refused in place."""

from __future__ import annotations

import tomllib
from typing import Any, Callable

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
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
        return ", ".join(f"{x:g}" for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def parse(text: str, tp: Any) -> Any:
    """What the user typed, as a Python value for `check_value` (numbers, lists, or the raw text)."""
    text = text.strip()
    if tp == tuple[float, ...]:
        text = f"[{text}]" if not text.startswith("[") else text
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


class ParamRow(Horizontal):
    """name, input, unit and range for one knob."""

    DEFAULT_CSS = """
    ParamRow { height: 1; }
    ParamRow > .name { width: 12; color: $text-muted; }
    ParamRow > Input { width: 8; }
    ParamRow > Select { width: 1fr; max-width: 20; }
    ParamRow > .hint { width: 1fr; color: $text-muted; padding-left: 1; }
    ParamRow > Input.-invalid { background: $error 30%; }
    """

    def __init__(self, name: str, knob: Knob, tp: Any, value: Any) -> None:
        super().__init__(classes="param-row")
        self.field = name
        self.knob = knob
        self.tp = tp
        self.value = value

    def compose(self) -> ComposeResult:
        tip = f"{self.field}: {self.knob.doc}" + (f" ({self.knob.source})" if self.knob.source else "")
        yield Label(self.field, classes="name").with_tooltip(tip)
        if self.knob.choices:
            yield Select([(c, c) for c in self.knob.choices], value=self.value, allow_blank=False, compact=True,
                         id=f"p-{self.field}").with_tooltip(tip)
        else:
            rng = range_text(self.knob, self.tp)
            yield Input(value_text(self.value), compact=True, id=f"p-{self.field}").with_tooltip(
                f"{tip}; {rng}; Enter applies")
            yield Label(rng, classes="hint")


class ParamPanel(Widget):
    """Every knob of a Params object; posts ParamsChanged when the user enters a valid value."""

    DEFAULT_CSS = """
    ParamPanel { layout: vertical; }
    ParamPanel > VerticalScroll { height: 1fr; scrollbar-size-vertical: 1; }
    ParamPanel > #param-help { height: 1; color: $text-muted; overflow: hidden; }
    Screen.-tall ParamPanel > #param-help { height: 3; }
    ParamPanel > #param-help.-error { color: $error; }
    """

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
            yield from self._rows(self.params)
        yield Static("Enter applies a value", id="param-help")

    def _rows(self, params: ParamsBase) -> list[ParamRow]:
        types = field_types(type(params))
        return [ParamRow(name, k, types[name], getattr(params, name)) for name, (_, k) in knobs_of(type(params)).items()]

    async def load(self, params: ParamsBase) -> None:
        """Show `params`: new rows when the class changed, else new values."""
        self._loading = True
        try:
            if type(params) is not type(self.params):
                rows = self.query_one("#param-rows", VerticalScroll)
                await rows.remove_children()
                await rows.mount_all(self._rows(params))
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
            self._say("Enter applies a value")
        finally:
            self.call_after_refresh(self._done_loading)

    def _done_loading(self) -> None:
        self._loading = False

    def _say(self, text: str, error: bool = False) -> None:
        help_line = self.query_one("#param-help", Static)
        help_line.update(text)
        help_line.set_class(error, "-error")

    def _apply(self, name: str, raw: Any, widget: Widget) -> None:
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
            return
        widget.remove_class("-invalid")
        if new == self.params:
            return
        self._say(f"{name} = {value_text(getattr(new, name))}")
        if type(new) is type(self.params):
            self.params = new
        self.post_message(ParamsChanged(new))

    def on_descendant_focus(self, event: Any) -> None:
        row = event.widget.parent
        if isinstance(row, ParamRow):
            rng = range_text(row.knob, row.tp)
            self._say(f"{row.field}: {row.knob.doc}" + (f" {rng}" if rng else ""))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        row = event.input.parent
        if isinstance(row, ParamRow):
            self._apply(row.field, parse(event.value, row.tp), event.input)
            if not event.input.has_class("-invalid"):
                self.post_message(self.Done())

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        row = event.input.parent
        if self._loading or not isinstance(row, ParamRow) or not event.input.has_focus:
            return
        try:
            check_value(type(self.params), row.field, parse(event.value, row.tp))
        except ParamError as exc:
            event.input.add_class("-invalid")
            self._say(f"{exc.name}: expected {exc.expected}, found {exc.found}", error=True)
        else:
            event.input.remove_class("-invalid")
            self._say(f"{row.field}: Enter applies")

    def on_input_blurred(self, event: Input.Blurred) -> None:
        row = event.input.parent
        if not isinstance(row, ParamRow):
            return
        shown = value_text(getattr(self.params, row.field))
        if event.value == shown:
            return
        refused = event.input.has_class("-invalid")
        event.input.value = shown
        event.input.remove_class("-invalid")
        what = "refused" if refused else "not applied (Enter applies)"
        self._say(f"{row.field}: {what}; it stays {shown}")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        row = event.select.parent
        if self._loading or not isinstance(row, ParamRow) or event.value == getattr(self.params, row.field, None):
            return
        self._apply(row.field, event.value, event.select)
        self.post_message(self.Done())

    class Done(Message):
        """A choice was made: the lab may take the focus back."""
