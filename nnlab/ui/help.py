"""The `?` help: what the lab teaches, its equations, what to try, the scenario's notes and the keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from nnlab.scenario import Scenario

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
| o / s / e | open a scenario / save it / export the traces |
| 1..7 | switch lab |
| ctrl+p | command palette |
| tab, up / down, enter | parameters: pick a knob, edit it (or click its row); enter applies |
| escape | leave the parameter editor, close this help |
"""


class HelpScreen(ModalScreen[None]):
    """Help for the lab on top of the lab; escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 110; height: 90%; background: $surface;
                                  border: round $primary; padding: 0 1; }
    HelpScreen Markdown { height: auto; }
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
            yield Markdown(about + self.lab_help + "\n" + KEYS)

    def action_dismiss(self) -> None:
        self.dismiss(None)
