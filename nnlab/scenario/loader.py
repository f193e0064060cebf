"""Read scenario files with tomllib and validate every key against the lab's knobs.

Every problem becomes a `Problem` line (`file:line: key: expected ..., found ... (did you
mean ...)`); `check` returns them all, `load` raises `ScenarioError` with them all.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

from nnlab.core.knobs import ParamError, ParamsBase, check_value, knobs_of
from nnlab.core.registry import LABS, SCHEMA_VERSION
from nnlab.scenario.bundled import bundled_path, bundled_names
from nnlab.scenario.errors import Problem, ScenarioError
from nnlab.scenario.scenario import RunSettings, Scenario

TOP_KEYS = ("schema", "lab", "title", "lecture", "about", "seed", "params", "run")
MAX_BYTES = 1 << 20


def did_you_mean(word: str, options: list[str] | tuple[str, ...]) -> str:
    """` (did you mean "x"?)` for the closest option, or "" when none is close."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def resolve(ref: str) -> Path:
    """The file a scenario reference names: a path, or the name of a bundled scenario."""
    path = Path(ref).expanduser()
    if path.is_file():
        return path
    if path.suffix == "" and "/" not in ref:
        bundled = bundled_path(ref)
        if bundled is not None:
            return bundled
    if path.exists():
        raise ScenarioError([Problem(ref, "", "expected a scenario file, found a directory")])
    hint = did_you_mean(path.stem, bundled_names())
    raise ScenarioError([Problem(ref, "", f"no such file or bundled scenario{hint}; `nnlab list` shows them")])


def load(ref: str, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Load and validate a scenario by path or bundled name, applying `--set KEY=VALUE` overrides."""
    path = resolve(ref)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError([Problem(ref, "", f"cannot read the file: {exc.strerror}")]) from None
    if len(data) > MAX_BYTES:
        raise ScenarioError([Problem(ref, "", f"expected a scenario under 1 MiB, found {len(data)} bytes")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(ref, "", "expected UTF-8 text, found binary data")]) from None
    name = path.stem
    source = str(path) if Path(ref).expanduser().is_file() else ref
    return load_text(text, source=source, name=name, overrides=overrides)


def check(ref: str) -> list[Problem]:
    """Every problem of a scenario file (empty when it is valid)."""
    try:
        load(ref)
    except ScenarioError as exc:
        return exc.problems
    return []


def load_text(text: str, source: str = "<text>", name: str = "", overrides: list[str] | tuple[str, ...] = ()
              ) -> Scenario:
    """Validate scenario TOML text; `source` names it in messages."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise ScenarioError([Problem(source, "", f"expected valid TOML, found a syntax error: {msg}", line)]) from None
    problems: list[Problem] = []
    for item in overrides:
        _apply_override(raw, item, problems)
    if problems:
        raise ScenarioError(problems)
    return _validate(raw, text, source, name, problems)


def _apply_override(raw: dict[str, Any], item: str, problems: list[Problem]) -> None:
    key, sep, value_text = item.partition("=")
    key = key.strip()
    if not sep or not key:
        problems.append(Problem("--set", item, "expected KEY=VALUE, e.g. params.tau_m=0.01"))
        return
    try:
        value = tomllib.loads(f"v = {value_text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = value_text.strip()
    parts = key.split(".")
    table = raw
    for part in parts[:-1]:
        nxt = table.setdefault(part, {})
        if not isinstance(nxt, dict):
            problems.append(Problem("--set", key, f"expected {part} to be a table, found a value"))
            return
        table = nxt
    table[parts[-1]] = value


class _Lines:
    """Finds the line of `key` inside `[table]` of the scenario text."""

    def __init__(self, text: str) -> None:
        self.index: dict[tuple[str, str], int] = {}
        table = ""
        for no, line in enumerate(text.splitlines(), start=1):
            s = line.strip()
            m = re.match(r"^\[\s*([A-Za-z0-9_.\-]+)\s*\]", s)
            if m:
                table = m.group(1)
                continue
            m = re.match(r"^([A-Za-z0-9_\-]+)\s*=", s)
            if m:
                self.index.setdefault((table, m.group(1)), no)

    def __call__(self, table: str, key: str) -> int | None:
        return self.index.get((table, key))


def _validate(raw: dict[str, Any], text: str, source: str, name: str, problems: list[Problem]) -> Scenario:
    lines = _Lines(text)

    def add(key: str, message: str, table: str = "", field: str | None = None) -> None:
        problems.append(Problem(source, key, message, lines(table, field if field is not None else key)))

    for key in raw:
        if key not in TOP_KEYS:
            add(key, f"expected one of the keys {', '.join(TOP_KEYS)}, found an unknown key{did_you_mean(key, TOP_KEYS)}")

    schema = raw.get("schema")
    if schema is None:
        add("schema", f"expected `schema = {SCHEMA_VERSION}`, found no schema key")
    elif isinstance(schema, bool) or not isinstance(schema, int):
        add("schema", f"expected a whole number, found {schema!r}")
    elif schema > SCHEMA_VERSION:
        add("schema", f"expected schema {SCHEMA_VERSION} or older (this nnlab reads up to {SCHEMA_VERSION}), "
                      f"found {schema}: the file needs a newer nnlab")
    elif schema < 1:
        add("schema", f"expected a schema from 1 to {SCHEMA_VERSION}, found {schema}")

    lab = raw.get("lab")
    spec = None
    if lab is None:
        add("lab", f"expected the lab, one of {_quoted(LABS)}, found no lab key")
    elif not isinstance(lab, str) or lab not in LABS:
        add("lab", f"expected one of {_quoted(LABS)}, found {lab!r}{did_you_mean(str(lab), list(LABS))}")
    else:
        spec = LABS[lab]

    for key in ("title", "lecture", "about"):
        if key in raw and not isinstance(raw[key], str):
            add(key, f"expected a string, found {raw[key]!r}")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        add("seed", f"expected a whole number 0 or more, found {seed!r}")
        seed = 0

    params = None
    table = raw.get("params", {})
    if not isinstance(table, dict):
        add("params", "expected a [params] table, found a value")
    elif spec is not None:
        try:
            cls = spec.params_class(table)
        except ParamError as exc:
            add(f"params.{exc.name}", f"expected {exc.expected}, found {exc.found}", "params", exc.name)
        else:
            params = _build(cls, table, "params", add)

    run = RunSettings()
    run_table = raw.get("run", {})
    if not isinstance(run_table, dict):
        add("run", "expected a [run] table, found a value")
    else:
        built = _build(RunSettings, run_table, "run", add)
        if built is not None:
            run = built
            if params is not None and run.granularity and run.granularity not in params.step_levels():
                levels = params.step_levels()
                add("run.granularity", f"expected one of {_quoted(levels)}, found {run.granularity!r}"
                    f"{did_you_mean(run.granularity, levels)}", "run", "granularity")

    if problems or params is None:
        raise ScenarioError(problems or [Problem(source, "", "expected a valid scenario")])
    return Scenario(lab=lab, params=params, run=run, title=raw.get("title", name), lecture=raw.get("lecture", ""),
                    about=raw.get("about", ""), seed=seed, name=name, source=source)


def _build(cls: type[ParamsBase], table: dict[str, Any], prefix: str, add: Any) -> ParamsBase | None:
    known = knobs_of(cls)
    values: dict[str, Any] = {}
    ok = True
    for key, value in table.items():
        if key not in known:
            owner = _owner(cls, table) if prefix == "params" else f"a [{prefix}] key"
            add(f"{prefix}.{key}", f"expected {owner}, found an unknown key"
                f"{did_you_mean(key, list(known))}", prefix, key)
            ok = False
            continue
        try:
            values[key] = check_value(cls, key, value)
        except ParamError as exc:
            add(f"{prefix}.{key}", f"expected {exc.expected}, found {exc.found}", prefix, key)
            ok = False
    if not ok:
        return None
    try:
        return cls(**values)
    except ParamError as exc:
        add(f"{prefix}.{exc.name}", f"expected {exc.expected}, found {exc.found}", prefix, exc.name)
        return None


def _owner(cls: type[ParamsBase], table: dict[str, Any]) -> str:
    """"a parameter of model "hh"" for labs whose Params class a key selects, else "a parameter"."""
    for selector in ("model", "mode"):
        if selector in knobs_of(cls):
            return f'a parameter of {selector} "{table.get(selector, getattr(cls(), selector))}"'
    return "a parameter"


def _quoted(items: Any) -> str:
    return ", ".join(f'"{x}"' for x in items)
