"""Dialogs: open a scenario (bundled, from a file or folder, over SSH) and save the present one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.fuzzy import FuzzySearch
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from nnlab.remote import load_any, parse_remote
from nnlab.scenario import Problem, Scenario, ScenarioError, load
from nnlab.scenario.bundled import entries, read_entry
from nnlab.scenario.class_access import ClassAccess
from nnlab.scenario.writer import to_toml, write_atomic

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 90%; max-width: 100; height: auto; max-height: 90%; background: $surface;
                     border: round $primary; padding: 0 1; }}
{name} .error {{ color: $error; height: auto; }}
{name} .hint {{ color: $text-muted; }}
"""
MAX_LISTED = 500
"""Most scenario files a local folder lists."""


@dataclass(frozen=True)
class Choice:
    """One scenario (or folder) the open dialog offers."""

    id: str
    """What opening it loads: a bundled name, a class name, a path; a folder's path ends in /."""
    name: str
    lab: str = ""
    title: str = ""
    lecture: str = ""
    group: int = 1
    """Order before any other: 0 the class's scenarios and the student's saves, 1 the rest."""

    @property
    def is_folder(self) -> bool:
        return self.id.endswith("/")

    def text(self) -> str:
        """The text the fuzzy filter matches: name, lab and title."""
        return f"{self.name} {self.lab} {self.title}"

    def detail(self) -> str:
        """The line under the list for the highlighted choice: its whole title, lab and lecture."""
        if self.is_folder:
            return f"folder {self.id}: Enter lists its scenarios"
        where = ", ".join(part for part in (f"{self.lab} lab" if self.lab else "", self.lecture) if part)
        return f"{self.title}" + (f"  ({where})" if where else "")

    def name_match(self, typed: str) -> int | None:
        """How well the name holds `typed` (lower case, spaces as _): 0 the name, or the name after its lab
        prefix, starts with it; 1 it starts a word of the name; 2 it is inside a word; None not at all."""
        name = self.name.lower()
        at = name.find(typed)
        if at < 0:
            return None
        rest = name[len(self.lab) + 1:] if self.lab and name.startswith(self.lab + "_") else name
        if at == 0 or rest.startswith(typed):
            return 0
        return 1 if f"_{typed}" in name else 2


def ranked(choices: list[Choice], query: str, lab: str = "") -> list[Choice]:
    """The choices that match `query`, best first; with no query all of them.

    First the names that hold the typed text (the name after its lab prefix starting with it best), then
    the other fuzzy matches (over name, lab and title) of the class's own scenarios and the lab in
    front (`lab`), then the rest's; ties go to the class's own scenarios, to the lab in front, to the
    better fuzzy score, then to the order given."""
    search = FuzzySearch()
    query = query.strip()
    typed = "_".join(query.lower().split())
    scored = []
    for k, c in enumerate(choices):
        near = c.group == 0 or c.lab == lab
        in_name = c.name_match(typed) if query else None
        score = search.match(query, c.text())[0] if query else 0.0
        if query and in_name is None and score <= 0:
            continue
        tier = (0, in_name) if in_name is not None else (1, 0) if near else (2, 0)
        scored.append(((tier, c.group, not near, -score, k), c))
    return [c for _, c in sorted(scored, key=lambda pair: pair[0])]


def folder_choices(text: str) -> tuple[Path, list[Choice]] | None:
    """For a typed local path: the folder it names (or the folder it is being typed in) and the
    sub-folders and .toml scenarios there whose names start with what follows the last /; else None."""
    typed = Path(text).expanduser()
    if typed.is_dir() and (text.endswith(("/", os.sep)) or text in (".", "..", "~")):
        folder, start = typed, ""
    elif typed.parent.is_dir() and ("/" in text or os.sep in text):
        folder, start = typed.parent, typed.name
    else:
        return None
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return folder, []
    out = []
    for child in children:
        if child.name.startswith(".") or not child.name.lower().startswith(start.lower()):
            continue
        if child.is_dir():
            out.append(Choice(f"{child}/", child.name + "/"))
        elif child.suffix == ".toml" and len(out) < MAX_LISTED:
            lab, title, lecture = _summary(child)
            out.append(Choice(str(child), child.name, lab, title, lecture))
    return folder, out


def _summary(path: Path) -> tuple[str, str, str]:
    """(lab, title, lecture) of a scenario file, read without validating; blanks when it cannot be read."""
    entry = read_entry(path)
    if entry is None:
        return "", "(not a readable scenario)", ""
    return entry.lab, entry.title, entry.lecture


def _path_like(text: str) -> bool:
    return "/" in text or os.sep in text or text.startswith(("~", ".")) or text.endswith(".toml")


class OpenScenario(ModalScreen[Scenario | None]):
    """Pick a scenario: typing filters the list (bundled ones, the lab in front first; fuzzy over name, lab
    and title). A typed path lists the folder it names or is typed in (sub-folders and .toml scenarios),
    on this machine or over SSH (`ssh://user@host[:port]/path`, `user@host:path`; an address ending in /
    lists that directory's scenarios when Enter is pressed). Remote files are fetched in a thread, so the
    lab keeps answering.

    On a class server (`access` given) it offers the class's scenarios, the student's saves and the bundled
    ones, and opens nothing else: no other host, no path outside those folders."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("down", "to_list", show=False)]
    DEFAULT_CSS = DIALOG_CSS.format(name="OpenScenario") + """
    OpenScenario > Vertical { height: 90%; max-height: 40; }
    OpenScenario > Vertical > Label { width: 1fr; }
    OpenScenario OptionList { height: 1fr; text-wrap: nowrap; text-overflow: ellipsis; scrollbar-size-vertical: 1; }
    OpenScenario #problems { max-height: 6; }
    OpenScenario #detail { height: auto; max-height: 2; color: $text-muted; }
    """

    def __init__(self, start: str = "", access: ClassAccess | None = None, lab: str = "") -> None:
        super().__init__()
        self.start = start
        self.access = access
        self.lab = lab
        """The lab in front, whose scenarios come first."""
        self.choices = [Choice(e.name, e.name, e.lab, e.title, e.lecture) for e in entries()]
        """What the filter picks from (without a typed path)."""
        if access is not None:
            self.choices = [Choice(name, name, title=title, group=0) for name, title in access.listing()] + self.choices
        self._shown: dict[str, Choice] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.access is None:
                yield Label("Open a scenario: type to filter, or a path, a folder (scenarios/) or an SSH "
                            "address (user@host:dir/). Enter opens, Down goes to the list.")
            else:
                yield Label("Open a scenario: type to filter (yours are ~/name.toml); Enter opens, Down goes "
                            "to the list")
            yield Input(self.start, placeholder="a name, a path or folder, user@host:dir/", id="path", compact=True)
            yield Static("", classes="error", id="problems", markup=False)
            yield OptionList(id="bundled")
            yield Static("", id="detail", markup=False)
            yield Label("escape closes", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()
        self._show(self.start)
        if self.start:
            self._try(self.start)

    def action_to_list(self) -> None:
        if self.focused is self.query_one("#path", Input):
            self.query_one("#bundled", OptionList).focus()

    # -- the list -----------------------------------------------------------------------------------
    def _show(self, text: str) -> None:
        """List what `text` asks for: a local folder's scenarios, or the choices it matches."""
        text = text.strip()
        note = ""
        if self.access is None and parse_remote(text) is not None:
            note = "Enter connects" + (" and lists the scenarios there" if text.endswith("/") else " and opens it")
            found = None
        elif self.access is None and _path_like(text) and (listed := folder_choices(text)) is not None:
            folder, found = listed
            toml = sum(not c.is_folder for c in found)
            note = f"{toml} scenario{'s' if toml != 1 else ''} in {folder}" + (": Down to pick one" if found else "")
        else:
            found = ranked(self.choices, "" if _path_like(text) else text, self.lab)
            if text and not found and not _path_like(text):
                note = f"no scenario matches {text!r}"
        self.query_one("#problems", Static).update(note)
        if found is not None:
            self._set_options(found)

    def _set_options(self, found: list[Choice]) -> None:
        self._shown = {c.id: c for c in found}
        width = min(max((len(c.name) for c in found), default=0), 28)
        options = self.query_one("#bundled", OptionList)
        options.set_options([Option(f"{c.name:<{width}}  {c.title}".rstrip(), id=c.id) for c in found])
        if found:
            options.highlighted = 0
        self._detail(found[0] if found else None)

    def _detail(self, choice: Choice | None) -> None:
        self.query_one("#detail", Static).update(choice.detail() if choice else "")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._detail(self._shown.get(event.option.id or ""))

    # -- opening ------------------------------------------------------------------------------------
    def _pick(self, ref: str) -> None:
        """Open a listed choice: a folder lists its contents, anything else is opened."""
        if ref.endswith("/") and ref in self._shown:
            field = self.query_one("#path", Input)
            field.value = ref
            field.cursor_position = len(ref)
            field.focus()
            return
        self._try(ref)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._pick(event.option.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        options = self.query_one("#bundled", OptionList)
        first = options.highlighted_option.id if options.highlighted_option is not None else None
        local = self.access is None and parse_remote(text) is None
        if not text or (first and text not in self._shown and not _path_like(text) and not self._exists(text)):
            if first:
                self._pick(first)
        elif local and Path(text).expanduser().is_dir():
            self._show(text if text.endswith("/") else text + "/")
            if options.option_count:
                options.focus()
        else:
            self._try(text)

    def _exists(self, text: str) -> bool:
        """True when `text` is itself something to open (a bundled or class name), not a filter."""
        return any(c.id == text or c.name == text for c in self.choices)

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
        self._set_options([Choice(url, url.rsplit("/", 1)[-1]) for url in urls])
        note = f"{len(urls)} scenarios in {ref}: Down to pick one" if urls else f"no .toml files in {ref}"
        self.query_one("#problems", Static).update(note)

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
