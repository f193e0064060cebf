"""The parameter panel: one row per knob with its value, unit and range, and one editor below.

The rows are lines of one list (a few widgets for the whole panel, not three per knob, so the lab
paints fast): Up/Down or the mouse picks a knob, Enter or a click edits it in the editor line,
Enter applies, Escape goes back to the lab. Invalid input is refused in place and names what was
expected. Knobs that have no effect with the present settings are left out.
"""

from __future__ import annotations

import tomllib
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from nnlab.core.knobs import Knob, ParamError, ParamsBase, check_value, field_types, knobs_of
from nnlab.ui.messages import ParamsChanged

NAME_WIDTH = 15
VALUE_WIDTH = 9
HINT = "Enter edits the knob, Enter applies, Esc returns"
MIN_ROWS = 1
"""Rows of knobs kept in view (the highlighted one) however long the help below the editor is."""


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


def knob_help(name: str, k: Knob, tp: Any) -> str:
    """What the help line says of a knob: its unit and range first (never cut), then meaning and source."""
    rng = range_text(k, tp)
    return f"{name}" + (f" {rng}" if rng else "") + f": {k.doc}" + (f" ({k.source})" if k.source else "")


def value_text(v: Any) -> str:
    """A knob value as the user types it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return ", ".join(x if isinstance(x, str) else f"{x:g}" for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def parse(text: str, tp: Any) -> Any:
    """What the user typed, as a Python value for `check_value` (numbers, lists, or the raw text)."""
    typed = text.strip()
    text = typed
    if tp in (tuple[float, ...], tuple[int, ...]):
        text = f"[{text}]" if not text.startswith("[") else text
    if tp == tuple[str, ...] and not text.startswith("["):
        items = [item.strip().strip('"') for item in text.split(",") if item.strip()]
        return items
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return typed


def choices_of(k: Knob, tp: Any) -> tuple[Any, ...]:
    """The values a knob is picked from (its choices, or true/false), or () for a typed knob."""
    if k.choices and tp is str:
        return tuple(k.choices)
    if tp is bool:
        return (True, False)
    return ()


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[:width - 1] + "…"


def row_content(name: str, value: Any, k: Knob, tp: Any, name_width: int = NAME_WIDTH) -> Content:
    """One row of the panel: name, value, unit and range."""
    return Content.assemble((_fit(name, name_width), "$text-muted"), _fit(value_text(value), VALUE_WIDTH),
                            (" " + range_text(k, tp), "$text-muted"))


class ParamRows(OptionList):
    """The knobs, one line each; Enter or a click asks the panel to edit the highlighted one."""

    DEFAULT_CSS = """
    ParamRows {
        height: auto; border: none; padding: 0; background: transparent; scrollbar-size-vertical: 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    ParamRows:focus { border: none; background-tint: $foreground 5%; }
    """

    def on_resize(self) -> None:
        """The rows shrink when a long help needs the room: the highlighted one stays in view."""
        self.scroll_to_highlight()


class ParamPanel(Widget):
    """Every knob of a Params object; posts ParamsChanged when the user enters a valid value."""

    DEFAULT_CSS = """
    ParamPanel { layout: vertical; }
    ParamPanel > #param-editor { height: 1; }
    ParamPanel #param-name { width: auto; max-width: 16; color: $text-muted; padding-right: 1; }
    ParamPanel #param-input { width: 1fr; }
    ParamPanel #param-choice { width: 1fr; }
    ParamPanel #param-input.-invalid { background: $error 30%; }
    ParamPanel .-off { display: none; }
    ParamPanel > #param-help { height: auto; color: $text-muted; overflow: hidden; }
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
        self.knob: str | None = None
        """The knob in the editor line."""
        self._loading = False
        self._help = HINT
        """The help line's text."""

    def compose(self) -> ComposeResult:
        yield ParamRows(*self._options(self.params), id="param-rows")
        with Horizontal(id="param-editor"):
            yield Label("", id="param-name", markup=False)
            yield Input("", compact=True, id="param-input")
            yield Select([("-", "-")], value="-", allow_blank=False, compact=True, id="param-choice",
                         classes="-off")
        yield Static(HINT, id="param-help", markup=False)

    def on_resize(self) -> None:
        self._share_height()

    def _share_height(self) -> None:
        """The help takes the lines its text needs (all but MIN_ROWS rows of knobs and the editor line at
        most) and the rows the rest, so the editor sits right below the rows. A help longer than that
        (a very short panel) ends in "…" and is whole in the help's tooltip."""
        help_line = self.query_one("#param-help", Static)
        width, height = self.content_size
        if width <= 0:
            return
        wrapped = Content(self._help).wrap(width)
        lines = max(1, min(len(wrapped), height - 1 - MIN_ROWS))
        shown = self._help
        if len(wrapped) > lines:
            last = wrapped[lines - 1].plain
            shown = " ".join(line.plain for line in wrapped[: lines - 1])
            shown = (shown + " " if shown else "") + (last[: width - 1] + "…")
        help_line.update(shown)
        help_line.tooltip = self._help if shown != self._help else None
        help_line.styles.max_height = lines
        self.query_one(ParamRows).styles.max_height = max(1, height - 1 - lines)

    def on_mount(self) -> None:
        rows = self.query_one(ParamRows)
        if rows.option_count:
            rows.highlighted = 0
            self._edit(rows.get_option_at_index(0).id)

    # -- rows -------------------------------------------------------------------------------------
    def _options(self, params: ParamsBase) -> list[Option]:
        types = field_types(type(params))
        unused = params.unused()
        knobs = {name: k for name, (_, k) in knobs_of(type(params)).items() if name not in unused}
        width = min(NAME_WIDTH, max(map(len, knobs), default=0) + 1)
        return [Option(row_content(name, getattr(params, name), k, types[name], width), id=name)
                for name, k in knobs.items()]

    def _show_rows(self) -> None:
        """Rows for `self.params`, the highlight kept on the same knob where it is still shown."""
        rows = self.query_one(ParamRows)
        options = self._options(self.params)
        ids = [o.id for o in options]
        if [o.id for o in rows.options] == ids:
            for option in options:
                rows.replace_option_prompt(option.id, option.prompt)
            return
        rows.set_options(options)
        if ids:
            rows.highlighted = ids.index(self.knob) if self.knob in ids else 0

    def _knob(self, name: str) -> tuple[Knob, Any]:
        return knobs_of(type(self.params))[name][1], field_types(type(self.params))[name]

    # -- the editor line --------------------------------------------------------------------------
    def _edit(self, name: str | None) -> None:
        """Put knob `name` in the editor line, with its present value."""
        self.knob = name
        if name is None:
            return
        k, tp = self._knob(name)
        value = getattr(self.params, name)
        label = self.query_one("#param-name", Label)
        field = self.query_one("#param-input", Input)
        choice = self.query_one("#param-choice", Select)
        label.update(name)
        options = choices_of(k, tp)
        with self._quiet():
            if options:
                choice.set_options([(value_text(c), c) for c in options])
                choice.value = value
            else:
                field.value = value_text(value)
                field.remove_class("-invalid")
            for widget in (label, field):
                widget.set_class(bool(options), "-off")
            choice.set_class(not options, "-off")
        self._say(knob_help(name, k, tp))

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """Editor changes made here are the panel's own: their Changed messages are not the user's input."""
        self._loading = True
        try:
            yield
        finally:
            self.call_after_refresh(self._done_loading)

    def _done_loading(self) -> None:
        self._loading = False

    def _focus_editor(self) -> None:
        if self.knob is None:
            return
        k, tp = self._knob(self.knob)
        if choices_of(k, tp):
            choice = self.query_one("#param-choice", Select)
            choice.focus()
            choice.action_show_overlay()
        else:
            field = self.query_one("#param-input", Input)
            field.focus()
            field.select_all()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id != self.knob:
            self._edit(event.option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id != self.knob:
            self._edit(event.option.id)
        self._focus_editor()

    def load(self, params: ParamsBase) -> None:
        """Show `params`: new rows when the class changed, else new values."""
        self.params = params
        self._show_rows()
        rows = self.query_one(ParamRows)
        name = rows.highlighted_option.id if rows.highlighted_option is not None else None
        self._edit(name)
        if name is None:
            self._say(HINT)

    def _say(self, text: str, error: bool = False) -> None:
        help_line = self.query_one("#param-help", Static)
        self._help = text
        help_line.set_class(error, "-error")
        help_line.update(text)
        self._share_height()

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
            self._show_rows()
        self.post_message(ParamsChanged(new))
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = self.knob
        if name is not None and self._apply(name, parse(event.value, self._knob(name)[1]), event.input):
            with self._quiet():
                event.input.value = value_text(getattr(self.params, name))
            self.post_message(self.Done())

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        name = self.knob
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
        name = self.knob
        if name is None or name not in knobs_of(type(self.params)):
            return
        shown = value_text(getattr(self.params, name))
        if event.value == shown:
            return
        refused = event.input.has_class("-invalid")
        with self._quiet():
            event.input.value = shown
        event.input.remove_class("-invalid")
        what = "refused" if refused else "not applied (Enter applies)"
        self._say(f"{name}: {what}; it stays {shown}")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        name = self.knob
        stale = event.value != event.select.value
        if self._loading or stale or name is None or event.value == getattr(self.params, name, None):
            return
        if self._apply(name, event.value, event.select):
            self.post_message(self.Done())
