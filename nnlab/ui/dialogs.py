"""Dialogs: open a scenario (bundled or from a file) and save the present one."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from nnlab.remote import load_any, parse_remote
from nnlab.scenario import Problem, Scenario, ScenarioError, load
from nnlab.scenario.bundled import entries
from nnlab.scenario.class_access import ClassAccess
from nnlab.scenario.writer import to_toml, write_atomic

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 90%; max-width: 100; height: auto; max-height: 90%; background: $surface;
                     border: round $primary; padding: 0 1; }}
{name} .error {{ color: $error; height: auto; }}
{name} .hint {{ color: $text-muted; }}
"""


class OpenScenario(ModalScreen[Scenario | None]):
    """Pick a bundled scenario, or type the path of a scenario file, on this machine or over SSH
    (`ssh://user@host[:port]/path`, `user@host:path`; an address ending in / lists that directory's
    scenarios to pick from). Remote files are fetched in a thread, so the lab keeps answering.

    On a class server (`access` given) it offers the class's scenarios, the student's saves and the bundled
    ones, and opens nothing else: no other host, no path outside those folders."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("down", "to_list", show=False)]
    DEFAULT_CSS = DIALOG_CSS.format(name="OpenScenario") + """
    OpenScenario OptionList { height: auto; max-height: 40vh; }
    """

    def __init__(self, start: str = "", access: ClassAccess | None = None) -> None:
        super().__init__()
        self.start = start
        self.access = access

    def compose(self) -> ComposeResult:
        options = [Option(f"{e.name:<28} {e.title}", id=e.name) for e in entries()]
        with Vertical():
            if self.access is None:
                yield Label("Open a scenario: type a path (path/to/scenario.toml), an SSH address (user@host:dir/ "
                            "or ssh://...) or a bundled name, Enter opens it; or Down/Tab to pick a bundled one")
            else:
                yield Label("Open a scenario: type a name from the list below (yours are ~/name.toml), "
                            "Enter opens it; or Down/Tab to pick one")
                options = [Option(f"{name:<28} {title}", id=name) for name, title in self.access.listing()
                           ] + options
            yield Input(self.start, id="path")
            yield Static("", classes="error", id="problems", markup=False)
            yield OptionList(*options, id="bundled")
            yield Label("escape closes", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()
        if self.start:
            self._try(self.start)

    def action_to_list(self) -> None:
        if self.focused is self.query_one("#path", Input):
            self.query_one("#bundled", OptionList).focus()

    def _try(self, ref: str) -> None:
        remote = parse_remote(ref)
        if self.access is not None:
            self._try_class(ref, remote is not None)
            return
        if remote is None:
            try:
                scenario = load(ref)
            except ScenarioError as exc:
                self._problems(exc)
                return
            self.dismiss(scenario)
            return
        self.query_one("#problems", Static).update(f"connecting to {remote.host} ...")
        self.run_worker(lambda: self._fetch(ref), thread=True, exclusive=True, group="remote")

    def _try_class(self, ref: str, remote: bool) -> None:
        assert self.access is not None
        try:
            if remote:
                raise ScenarioError([Problem(ref, "", "expected a scenario of this class server, found an SSH "
                                             "address (a class server opens no other host)")])
            path = self.access.open_path(ref)
            scenario = load(str(path))
        except ScenarioError as exc:
            self._problems(exc)
            return
        self.dismiss(scenario)

    def _fetch(self, ref: str) -> None:
        """In a thread: a remote scenario, or a remote directory's listing."""
        from nnlab.remote.fetch import list_remote

        remote = parse_remote(ref)
        try:
            if remote is not None and remote.is_dir:
                found = list_remote(remote)
                self.app.call_from_thread(self._listing, ref, [str(r) for r in found])
            else:
                scenario = load_any(ref)
                self.app.call_from_thread(self.dismiss, scenario)
        except ScenarioError as exc:
            self.app.call_from_thread(self._problems, exc)

    def _problems(self, exc: ScenarioError) -> None:
        self.query_one("#problems", Static).update(str(exc))

    def _listing(self, ref: str, urls: list[str]) -> None:
        options = self.query_one("#bundled", OptionList)
        options.clear_options()
        options.add_options([Option(url.rsplit("/", 1)[-1], id=url) for url in urls])
        note = f"{len(urls)} scenarios in {ref}: Down to pick one" if urls else f"no .toml files in {ref}"
        self.query_one("#problems", Static).update(note)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._try(event.option.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._try(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class SaveScenario(ModalScreen[Path | None]):
    """Save the present scenario (edited parameters included) as a TOML file, atomically."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="SaveScenario")

    def __init__(self, scenario: Scenario, access: ClassAccess | None = None) -> None:
        super().__init__()
        self.scenario = scenario
        self.access = access
        """On a class server, saves go to the student's own folder, by plain file name."""
        self._confirm: Path | None = None

    def compose(self) -> ComposeResult:
        name = self.scenario.name or self.scenario.lab
        with Vertical():
            if self.access is None:
                yield Label("Save the scenario as (Enter saves):")
                yield Input(str(Path.cwd() / f"{name}.toml"), id="path")
            else:
                yield Label("Save the scenario in your folder as (a file name; Enter saves, o opens it again "
                            "as ~/name.toml):")
                yield Input(f"{name}.toml", id="path")
            yield Static("", classes="error", id="problems", markup=False)
            yield Label("escape closes", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.access is not None:
            try:
                path = self.access.save_path(event.value)
            except ScenarioError as exc:
                self.query_one("#problems", Static).update(str(exc))
                return
        else:
            path = Path(event.value.strip()).expanduser()
        if path.suffix != ".toml":
            self.query_one("#problems", Static).update(f"expected a file name ending in .toml, found {path.name!r}")
            return
        if not path.parent.is_dir():
            self.query_one("#problems", Static).update(f"no such directory: {path.parent}")
            return
        if path.exists() and self._confirm != path:
            self._confirm = path
            self.query_one("#problems", Static).update(f"{path.name} exists: press Enter again to replace it")
            return
        try:
            write_atomic(path, to_toml(self.scenario))
        except OSError as exc:
            self.query_one("#problems", Static).update(f"could not write {path}: {exc.strerror}")
            return
        shown = self.access.shown(path) if self.access is not None else str(path)
        self.app.notify(f"scenario saved to {shown}", timeout=4)
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
