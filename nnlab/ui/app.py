"""The nnlab app: a tab per lab, the keys shared by all labs, and the command palette."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterable

from textual.app import App, ComposeResult, SystemCommand
from textual.notifications import SeverityLevel
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import TabbedContent, TabPane

from nnlab.core.registry import LABS
from nnlab.scenario import Scenario, ScenarioError, load
from nnlab.scenario.bundled import entries
from nnlab.scenario.class_access import ClassAccess
from nnlab.ui.lab_view import LabView
from nnlab.ui.screens import SCREENS
from nnlab.ui.widgets.footer import KeyFooter


class LabTabs(TabbedContent):
    """The tab strip of the labs. Textual's TabbedContent also switches to the tab of a widget focused from
    code, a message later; with keys typed quickly that message arrived after the next switch and took the
    lab back (`5 1` ended on SOM). Here only keys, clicks and the palette switch tabs."""

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        # prevent_default: Textual calls the handler of every class in the MRO, TabbedContent's too
        event.stop()
        event.prevent_default()


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
    ToastRack { dock: top; align: right top; margin: 2 0 0 0; }
    Toast { width: auto; max-width: 50%; padding: 0 1; }
    """

    def __init__(self, scenario: Scenario, open_first: str = "", access: ClassAccess | None = None) -> None:
        super().__init__()
        self.scenario = scenario
        self.open_first = open_first
        """An address for the open dialog to start from (a remote directory named on the command line)."""
        self.access = access
        """The folders of a session of `nnlab serve`; None when the lab runs on its own."""
        self._failures: list[float] = []

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
        with LabTabs(initial=f"tab-{self.scenario.lab}"):
            for spec in LABS.values():
                with TabPane(f"{spec.key} {spec.title}", id=f"tab-{spec.name}"):
                    if spec.name == self.scenario.lab:
                        yield self._new_lab(spec.name, self.scenario)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self._focus_lab()
        if self.open_first:
            from nnlab.ui.dialogs import OpenScenario

            self.push_screen(OpenScenario(self.open_first, self.access, lab=self.scenario.lab), self.open_scenario)

    def _new_lab(self, name: str, scenario: Scenario) -> LabView:
        return SCREENS[name](LABS[name], scenario, id=f"lab-{name}")

    def lab(self) -> LabView:
        """The lab screen of the active tab (made by `_show_lab` when its tab is first shown)."""
        name = self.query_one(TabbedContent).active.removeprefix("tab-")
        return self.query_one(f"#lab-{name}", LabView)

    async def _show_lab(self, name: str, scenario: Scenario | None = None) -> tuple[LabView, bool]:
        """Activate `name`'s tab and focus its lab, making the lab (on `scenario`, or the lab's default one)
        when its tab is first shown, so that starting the app styles one lab, not all. Returns the lab and
        whether it was made now. The lab is mounted and focused before the next key is handled, so keys
        typed quickly act in order on the lab they were meant for."""
        self.query_one(LabTabs).active = f"tab-{name}"
        found = self.query(f"#lab-{name}")
        made = not found
        if made:
            view = self._new_lab(name, scenario or load(LABS[name].default_scenario))
            await self.query_one(f"#tab-{name}", TabPane).mount(view)
        else:
            view = found.only_one(LabView)
        self._focus_lab()
        return view, made

    def _focus_lab(self) -> None:
        """Focus the active tab's lab now (Widget.focus would do it after the keys already queued)."""
        if self.screen is self.screen_stack[0]:
            self.screen.set_focus(self.lab())

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._focus_lab()

    async def action_switch_lab(self, name: str) -> None:
        await self._show_lab(name)

    def action_open_scenario(self) -> None:
        from nnlab.ui.dialogs import OpenScenario

        self.push_screen(OpenScenario(access=self.access, lab=self.lab().spec.name), self.open_scenario)

    async def open_scenario(self, scenario: Scenario | None) -> None:
        """Load `scenario` into its lab and show that lab."""
        if scenario is None:
            return
        view, made = await self._show_lab(scenario.lab, scenario)
        if not made:
            view.load(scenario)
        self.notify(f"opening {scenario.name}: {scenario.title}", timeout=3)

    async def _open_bundled(self, name: str) -> None:
        try:
            scenario = load(name)
        except ScenarioError as exc:
            self.notify(str(exc), severity="error")
            return
        await self.open_scenario(scenario)

    # -- the safety net -------------------------------------------------------------------------------
    async def run_action(self, action: Any, default_namespace: Any = None) -> bool:
        """Every key binding and palette action runs here: an exception becomes a line in the lab's status
        bar (`LabView.recover`), not a dead app."""
        try:
            return await super().run_action(action, default_namespace)
        except Exception as exc:
            self.recover(exc, f"action {action!r}")
            return True

    async def _dispatch_message(self, message: Any) -> None:
        try:
            await super()._dispatch_message(message)
        except Exception as exc:
            if not self.is_running or not self.query(LabView):
                raise
            self.recover(exc, f"app handling {type(message).__name__}")

    def recover(self, exc: BaseException, where: str, lab: LabView | None = None) -> None:
        """The safety net: `lab` (default the active one) goes back to its last good state and says what
        failed in one line; five failures within two seconds end the app (exit 1), as something is failing
        over and over."""
        now = time.monotonic()
        self._failures = [t for t in self._failures if now - t < 2.0] + [now]
        error = exc if isinstance(exc, Exception) else RuntimeError(str(exc))
        if len(self._failures) >= 5:
            super()._handle_exception(error)
            return
        try:
            (lab or self.lab()).recover(exc, where)
        except Exception:
            super()._handle_exception(error)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for spec in LABS.values():
            yield SystemCommand(f"Switch lab: {spec.title}", f"key {spec.key}",
                                lambda name=spec.name: self.action_switch_lab(name))
        yield SystemCommand("Open scenario...", "pick a bundled scenario or type a path (key o)",
                            self.action_open_scenario)
        for e in entries():
            yield SystemCommand(f"Open scenario: {e.name}", e.title,
                                lambda n=e.name: self._open_bundled(n), discover=False)
        yield SystemCommand("Export traces", "write every trace to a .npz file (key e)",
                            lambda: self.lab().action_export())
        yield SystemCommand("Export plots as text", "write the two plots as a .txt file",
                            lambda: self.lab().export_plots())
        yield SystemCommand("Save scenario", "save the present parameters as a scenario file (key s)",
                            lambda: self.lab().action_save())
        yield SystemCommand("Help for this lab", "what it teaches, its equations, what to try (key ?)",
                            lambda: self.lab().action_help())
