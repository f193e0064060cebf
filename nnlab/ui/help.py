"""The `?` help: what the lab teaches, its equations, what to try, the scenario's notes and the keys."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownFence

from nnlab.scenario import Scenario
from nnlab.ui.widgets.fold import fold

KEYS = """
## Keys

| key | action |
|---|---|
| space | run / pause |
| n | one step of the smallest size |
| N | one step of the bigger size (g chooses it) |
| b | step back exactly |
| r / R | reset (same start) / reseed |
| v | next view |
| + / - | zoom the time axis |
| z | the upper plot fills the lab, then the lower one, then back |
| o / s / e | open a scenario / save it / export the traces |
| 1..6 | switch lab |
| q | quit |
| ctrl+p | command palette |
| tab, up / down, enter | parameters: pick a knob, edit it (or click its row); enter applies |
| tab, up / home | equation pane (when it scrolls): back to the rule; each step shows its numbers again |
| escape | leave the parameter editor, close this help |
"""


class CodeLines(Widget):
    """A code block's text folded at the widget's width, so no character lies beyond the right edge."""

    DEFAULT_CSS = """
    CodeLines { height: auto; padding: 0 1; }
    """

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((len(line) for line in self.code.splitlines()), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(fold(self.code, width, self.app.console))

    def render(self) -> Text:
        return Text("\n".join(fold(self.code, self.content_size.width, self.app.console)), no_wrap=True)


class WrappedFence(MarkdownFence):
    """A Markdown code block that folds its long lines (Textual's scroll sideways, with no key to do it)."""

    DEFAULT_CSS = """
    WrappedFence { overflow-x: hidden; }
    """

    def compose(self) -> ComposeResult:
        yield CodeLines(self.code)


class HelpMarkdown(Markdown):
    """Markdown whose code blocks (the equations) fold at the help's width."""

    BLOCKS = {**Markdown.BLOCKS, "fence": WrappedFence, "code_block": WrappedFence}


class HelpScreen(ModalScreen[None]):
    """Help for the lab on top of the lab; escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; min-width: 40; max-width: 110; height: 90%; background: $surface;
                                  border: round $primary; padding: 0 1; }
    HelpScreen HelpMarkdown { height: auto; padding: 0 1; }
    """

    def __init__(self, lab_help: str, scenario: Scenario) -> None:
        super().__init__()
        self.lab_help = lab_help
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        about = ""
        if self.scenario.about:
            about = f"## This scenario: {self.scenario.title}\n\n"
            if self.scenario.lecture:
                about += f"*{self.scenario.lecture}*\n\n"
            about += self.scenario.about.strip() + "\n\n"
        with VerticalScroll():
            yield HelpMarkdown(about + self.lab_help + "\n" + KEYS)

    def action_dismiss(self) -> None:
        self.dismiss(None)
