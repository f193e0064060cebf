"""The nnlab app: a tab per lab, the keys shared by all labs, and the command palette."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from textual.app import App, ComposeResult, SystemCommand
from textual.notifications import SeverityLevel
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from nnlab.core.registry import LABS
from nnlab.scenario import Scenario, ScenarioError, load
from nnlab.scenario.bundled import entries
from nnlab.scenario.class_access import ClassAccess
from nnlab.ui.lab_view import LabView
from nnlab.ui.screens import SCREENS


class NNLabApp(App[None]):
    """The lab: opens on `scenario`, with a tab for every lab that exists."""

    TITLE = "nnlab"
    BINDINGS = [
        Binding("q", "quit", "Quit", show=False),
        *[Binding(spec.key, f"switch_lab('{spec.name}')", spec.title, show=False) for spec in LABS.values()],
    ]
    CSS = """
    TabbedContent, TabPane { height: 1fr; padding: 0; }
    Footer FooterKey.-command-palette { margin-right: 0; padding-right: 1; }
    """

    def __init__(self, scenario: Scenario, open_first: str = "", access: ClassAccess | None = None) -> None:
        super().__init__()
        self.scenario = scenario
        self.open_first = open_first
        """An address for the open dialog to start from (a remote directory named on the command line)."""
        self.access = access
        """The folders of a session of `nnlab serve`; None when the lab runs on its own."""

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        if self.access is not None:
            path = str(self.access.saves)
            name = Path(filename).name if filename else ""
            filename = name if name and not name.startswith(".") else None
        return super().deliver_screenshot(filename, path, time_format)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Notices are plain text: they quote file names and typed values, which must never be read as
        markup (a `[@click=...]` in a typed name would otherwise become a link that runs an action)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        if self.access is not None:
            self.notify(f"open this on your own computer: {url}", timeout=6)
            return
        super().open_url(url, new_tab=new_tab)

    def action_suspend_process(self) -> None:
        if self.access is None:
            super().action_suspend_process()

    def compose(self) -> ComposeResult:
        with TabbedContent(initial=f"tab-{self.scenario.lab}"):
            for spec in LABS.values():
                with TabPane(f"{spec.key} {spec.title}", id=f"tab-{spec.name}"):
                    if spec.name == self.scenario.lab:
                        yield self._new_lab(spec.name, self.scenario)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.lab().focus()
        if self.open_first:
            from nnlab.ui.dialogs import OpenScenario

            self.push_screen(OpenScenario(self.open_first, self.access), self.open_scenario)

    def _new_lab(self, name: str, scenario: Scenario) -> LabView:
        return SCREENS[name](LABS[name], scenario, id=f"lab-{name}")

    def lab(self, scenario: Scenario | None = None) -> LabView:
        """The lab screen of the active tab. A lab's screen is made when its tab is first shown (on
        `scenario`, or on the lab's default one), so that starting the app styles one lab, not all."""
        name = self.query_one(TabbedContent).active.removeprefix("tab-")
        found = self.query(f"#lab-{name}")
        if found:
            return found.only_one(LabView)
        view = self._new_lab(name, scenario or load(LABS[name].default_scenario))
        self.query_one(f"#tab-{name}", TabPane).mount(view)
        return view

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.lab().focus()

    def action_switch_lab(self, name: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{name}"
        self.lab().focus()

    def action_open_scenario(self) -> None:
        from nnlab.ui.dialogs import OpenScenario

        self.push_screen(OpenScenario(access=self.access), self.open_scenario)

    def open_scenario(self, scenario: Scenario | None) -> None:
        """Load `scenario` into its lab and show that lab."""
        if scenario is None:
            return
        self.query_one(TabbedContent).active = f"tab-{scenario.lab}"
        made = not self.query(f"#lab-{scenario.lab}")
        view = self.lab(scenario)
        if not made:
            view.load(scenario)
        view.focus()
        self.notify(f"opened {scenario.name}: {scenario.title}", timeout=3)

    def _open_bundled(self, name: str) -> None:
        try:
            self.open_scenario(load(name))
        except ScenarioError as exc:
            self.notify("\n".join(str(p) for p in exc.problems), severity="error")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for spec in LABS.values():
            yield SystemCommand(f"Switch lab: {spec.title}", f"key {spec.key}",
                                lambda name=spec.name: self.action_switch_lab(name))
        yield SystemCommand("Open scenario...", "pick a bundled scenario or type a path (key o)",
                            self.action_open_scenario)
        for e in entries():
            yield SystemCommand(f"Open scenario: {e.name}", e.title, lambda n=e.name: self._open_bundled(n),
                                discover=False)
        yield SystemCommand("Export traces", "write every trace to a .npz file (key e)",
                            lambda: self.lab().action_export())
        yield SystemCommand("Export plots as text", "write the two plots as a .txt file",
                            lambda: self.lab().export_plots())
        yield SystemCommand("Save scenario", "save the present parameters as a scenario file (key s)",
                            lambda: self.lab().action_save())
        yield SystemCommand("Help for this lab", "what it teaches, its equations, what to try (key ?)",
                            lambda: self.lab().action_help())
