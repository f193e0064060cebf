"""Read scenario files with tomllib and validate every key against the lab's knobs.

Every problem becomes a `Problem` line (`file:line: key: expected ..., found ... (did you
mean ...)`); `check` returns them all, `load` raises `ScenarioError` with them all.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

from nnlab.core.knobs import ParamError, ParamsBase, check_value, knobs_of
from nnlab.core.memory import LimitError, refusal
from nnlab.core.registry import LABS, SCHEMA_VERSION
from nnlab.scenario.bundled import bundled_path, bundled_names
from nnlab.scenario.errors import Problem, ScenarioError
from nnlab.scenario.scenario import RunSettings, Scenario
from nnlab.scenario.toml_text import INT64, Lines, clip, parse_toml

TOP_KEYS = ("schema", "lab", "title", "lecture", "about", "seed", "params", "run")
SELECTORS = ("model", "mode")
"""Keys of `[params]` that pick the lab's Params class."""
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
    raw = parse_toml(text, source)
    problems: list[Problem] = []
    typed: dict[str, str | None] = {}
    for item in overrides:
        _apply_override(raw, item, source, problems, typed)
    if problems:
        raise ScenarioError(problems)
    scenario = _validate(raw, text, source, name, problems, typed)
    check_memory(scenario, text=text, typed=typed)
    return scenario


def check_memory(scenario: Scenario, steps: int | None = None, text: str = "",
                 typed: dict[str, str | None] | None = None) -> None:
    """Raise ScenarioError when the arrays of the scenario's model, run for `steps` steps (default: the
    scenario's run), would not fit in memory (`nnlab.core.memory`), naming the knobs to change."""
    try:
        refused = refusal(scenario.params, scenario.duration(), steps or scenario.run.steps or None)
    except LimitError as exc:
        raise ScenarioError([Problem(scenario.source, "", str(exc))]) from None
    if refused is None:
        return
    table, _, field = refused.key.partition(".")
    if refused.key in (typed or {}):
        problem = Problem(scenario.source, refused.key, refused.message(), via="--set")
    else:
        problem = Problem(scenario.source, refused.key, refused.message(), Lines(text)(table, field))
    raise ScenarioError([problem])


def _override_value(text: str) -> tuple[Any, bool]:
    """(value, True) for TOML text such as 0.01, "hh" or [2, 3, 1]; (the text itself, False) for anything
    else, so that `--set params.model=lif` needs no quotes."""
    try:
        table = tomllib.loads(f"v = {text}")
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return text, False
    if list(table) != ["v"]:
        return text, False
    return table["v"], True


def _apply_override(raw: dict[str, Any], item: str, source: str, problems: list[Problem],
                    typed: dict[str, str | None]) -> None:
    key, sep, value_text = item.partition("=")
    key, value_text = key.strip(), value_text.strip()
    if not sep or not key:
        problems.append(Problem(source, clip(item), "expected KEY=VALUE, e.g. params.tau_m=0.01", via="--set"))
        return
    parts = key.split(".")
    if any(not part.strip() for part in parts):
        problems.append(Problem(source, clip(key), "expected a key such as params.tau_m or run.duration, found an "
                                "empty part", via="--set"))
        return
    parts = [part.strip() for part in parts]
    if len(parts) == 1 and key not in TOP_KEYS:
        home = _home_of(raw, key, source, problems)
        if home is None:
            return
        parts = [home, key]
    value, is_toml = _override_value(value_text)
    if isinstance(value, int) and not isinstance(value, bool) and not INT64[0] <= value <= INT64[1]:
        problems.append(Problem(source, clip(key), f"expected a whole number from -2^63 to 2^63 - 1, found one of "
                                f"{len(str(abs(value)))} digits", via="--set"))
        return
    table = raw
    for i, part in enumerate(parts[:-1]):
        nxt = table.setdefault(part, {})
        if not isinstance(nxt, dict):
            problems.append(Problem(source, clip(key), f"expected {'.'.join(parts[:i + 1])} to be a table, found a "
                                    "value", via="--set"))
            return
        table = nxt
    table[parts[-1]] = value
    typed[".".join(parts)] = None if is_toml else value_text


def _home_of(raw: dict[str, Any], key: str, source: str, problems: list[Problem]) -> str | None:
    """"params" or "run" for a bare `--set` key that names a knob of exactly one of them; else a Problem."""
    cls = _params_class_of(raw)
    homes = [table for table, known in (("params", knobs_of(cls) if cls else {}), ("run", knobs_of(RunSettings)))
             if key in known]
    if len(homes) == 1:
        return homes[0]
    if homes:
        problems.append(Problem(source, key, f"expected params.{key} or run.{key} ({key} names both), found {key}",
                                via="--set"))
        return None
    names = {k: f"params.{k}" for k in (knobs_of(cls) if cls else {})} | {k: f"run.{k}" for k in knobs_of(RunSettings)}
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
    hint = f' (did you mean "{names[close[0]]}"?)' if close else ""
    owner = f"params.NAME ({_owner(cls)})" if cls else "params.NAME"
    problems.append(Problem(source, clip(key), f"expected {owner}, run.NAME or a top-level key "
                            f"({', '.join(TOP_KEYS)}), found an unknown key{hint}", via="--set"))
    return None


def _params_class_of(raw: dict[str, Any]) -> type[ParamsBase] | None:
    """The Params class the lab and `[params]` table of `raw` select, or None when they select none."""
    lab, table = raw.get("lab"), raw.get("params", {})
    if not isinstance(lab, str) or lab not in LABS or not isinstance(table, dict):
        return None
    if _bad_selector(LABS[lab], table) is not None:
        return None
    try:
        return LABS[lab].params_class(table)
    except ParamError:
        return None


def _bad_selector(spec: Any, table: dict[str, Any]) -> tuple[str, str] | None:
    """(key, expected) when the key that picks the Params class (`model`, `mode`) holds a value that is
    not one of its choices; checked before `params_class` sees it (a list cannot be looked up)."""
    default = spec.params_class({})
    for selector in SELECTORS:
        if selector in table and selector in knobs_of(default):
            choices = knobs_of(default)[selector][1].choices
            if not isinstance(table[selector], str) or table[selector] not in choices:
                return selector, "one of " + _quoted(choices)
    return None


def _validate(raw: dict[str, Any], text: str, source: str, name: str, problems: list[Problem],
              typed: dict[str, str | None]) -> Scenario:
    lines = Lines(text)

    def add(key: str, message: str, table: str = "", field: str | None = None) -> None:
        if any(k == key or k.startswith(key + ".") for k in typed):
            problems.append(Problem(source, key, message, via="--set"))
        else:
            problems.append(Problem(source, key, message, lines(table, field if field is not None else key)))

    for key in raw:
        if key not in TOP_KEYS:
            add(clip(key), f"expected one of the keys {', '.join(TOP_KEYS)}, found an unknown key"
                f"{did_you_mean(key, TOP_KEYS)}")

    schema = raw.get("schema")
    if schema is None:
        add("schema", f"expected `schema = {SCHEMA_VERSION}`, found no schema key")
    elif isinstance(schema, bool) or not isinstance(schema, int):
        add("schema", f"expected a whole number, found {_found(schema, typed.get('schema'))}")
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
        hint = did_you_mean(lab, list(LABS)) if isinstance(lab, str) else ""
        add("lab", f"expected one of {_quoted(LABS)}, found {_found(lab, typed.get('lab'))}{hint}")
    else:
        spec = LABS[lab]

    for key in ("title", "lecture", "about"):
        if key in raw and not isinstance(raw[key], str):
            add(key, f"expected a string, found {_found(raw[key], typed.get(key))}")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        add("seed", f"expected a whole number 0 or more, found {_found(seed, typed.get('seed'))}")
        seed = 0

    params = None
    table = raw.get("params", {})
    if not isinstance(table, dict):
        add("params", "expected a [params] table, found a value")
    elif spec is not None:
        bad = _bad_selector(spec, table)
        if bad is not None:
            key, expected = bad
            value = table[key]
            choices = knobs_of(spec.params_class({}))[key][1].choices
            hint = did_you_mean(value, choices) if isinstance(value, str) else ""
            add(f"params.{key}", f"expected {expected}, found {_found(value, typed.get(f'params.{key}'))}{hint}",
                "params", key)
        else:
            try:
                cls = spec.params_class(table)
            except ParamError as exc:
                add(f"params.{exc.name}", f"expected {exc.expected}, found {clip(exc.found)}", "params", exc.name)
            else:
                params = _build(cls, table, "params", add, typed)

    run = RunSettings()
    run_table = raw.get("run", {})
    if not isinstance(run_table, dict):
        add("run", "expected a [run] table, found a value")
    else:
        built = _build(RunSettings, run_table, "run", add, typed)
        if built is not None:
            run = built
            if params is not None and run.granularity and run.granularity not in params.step_levels():
                levels = params.step_levels()
                add("run.granularity", f"expected one of {_quoted(levels)}, found {_found(run.granularity)}"
                    f"{did_you_mean(run.granularity, levels)}", "run", "granularity")
            if params is not None and hasattr(params, "check_fi_duration"):
                # an F-I sweep's settle against the run's duration per input: a knob of each table
                try:
                    params.check_fi_duration(Scenario(lab=lab, params=params, run=run).duration())
                except ParamError as exc:
                    add(f"params.{exc.name}", f"expected {exc.expected}, found {clip(exc.found)}", "params", exc.name)

    if problems or params is None:
        raise ScenarioError(problems or [Problem(source, "", "expected a valid scenario")])
    return Scenario(lab=lab, params=params, run=run, title=raw.get("title", name), lecture=raw.get("lecture", ""),
                    about=raw.get("about", ""), seed=seed, name=name, source=source)


def _build(cls: type[ParamsBase], table: dict[str, Any], prefix: str, add: Any, typed: dict[str, str | None]
           ) -> ParamsBase | None:
    known = knobs_of(cls)
    values: dict[str, Any] = {}
    ok = True
    for key, value in table.items():
        if key not in known:
            owner = _owner(cls) if prefix == "params" else f"a [{prefix}] key"
            add(f"{prefix}.{clip(key)}", f"expected {owner}, found an unknown key"
                f"{did_you_mean(key, list(known))}", prefix, key)
            ok = False
            continue
        try:
            values[key] = check_value(cls, key, value)
        except ParamError as exc:
            found = typed.get(f"{prefix}.{key}") or exc.found
            add(f"{prefix}.{key}", f"expected {exc.expected}, found {clip(found)}", prefix, key)
            ok = False
    if not ok:
        return None
    try:
        return cls(**values)
    except ParamError as exc:
        add(f"{prefix}.{exc.name}", f"expected {exc.expected}, found {clip(exc.found)}", prefix, exc.name)
        return None


def _owner(cls: type[ParamsBase]) -> str:
    """"a parameter of model "hh"" for labs whose Params class a key selects, else "a parameter"."""
    for selector in SELECTORS:
        if selector in knobs_of(cls):
            return f'a parameter of {selector} "{getattr(cls(), selector)}"'
    return "a parameter"


def _found(value: Any, typed: str | None = None) -> str:
    """A value as a message's "found" part: what the user typed on the command line, a short rendering of
    a scalar, or the kind and size of a list or table (never its whole repr, which may be huge or deep)."""
    if typed is not None:
        return clip(typed)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return clip(f'"{value}"')
    if isinstance(value, (int, float)):
        return clip(f"{value:g}" if isinstance(value, float) else str(value))
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "a table"
    return clip(f"a {type(value).__name__} ({value})")


def _quoted(items: Any) -> str:
    return ", ".join(f'"{x}"' for x in items)
