"""`nnlab new LAB`: a commented scenario with every parameter, its default, unit and range."""

from __future__ import annotations

from nnlab.core.knobs import ParamsBase, describe_range, knobs_of
from nnlab.core.registry import LABS, SCHEMA_VERSION
from nnlab.scenario.scenario import RunSettings
from nnlab.scenario.writer import toml_value


def _table(cls: type[ParamsBase], commented: bool) -> list[str]:
    lines = []
    default = cls()
    for name, (_, k) in knobs_of(cls).items():
        value = getattr(default, name)
        detail = f"one of {', '.join(k.choices)}" if k.choices else describe_range(k) if not isinstance(value, str) else ""
        note = f"  [{detail}]" if detail else ""
        src = f" ({k.source})" if k.source else ""
        lines.append(f"# {name}: {k.doc}{src}{note}")
        lines.append(f"{'# ' if commented else ''}{name} = {toml_value(value)}")
    return lines


def new_scenario(lab: str, model: str | None = None) -> str:
    """Scenario text for `lab`; for labs with several models, every model's keys (others commented out)."""
    out = [
        f"schema = {SCHEMA_VERSION}",
        f'lab = "{lab}"',
        'title = "My scenario"',
        'lecture = ""',
        'about = """What to do and what to notice (shown by ?)."""',
        "seed = 0",
        "",
        "[params]",
    ]
    classes = _classes(lab)
    chosen = model or next(iter(classes))
    out += _table(classes[chosen], commented=False)
    for other, cls in classes.items():
        if other != chosen:
            out += ["", f"# --- keys of model = \"{other}\" (use them instead of the ones above) ---"]
            out += _table(cls, commented=True)
    out += ["", "[run]"]
    out += _table(RunSettings, commented=False)
    return "\n".join(out) + "\n"


def _classes(lab: str) -> dict[str, type[ParamsBase]]:
    if lab == "neuron":
        from nnlab.core.neuron.params import PARAMS_BY_MODEL

        return dict(PARAMS_BY_MODEL)
    if lab == "backprop":
        from nnlab.core.backprop.params import params_by_mode

        return params_by_mode()
    return {lab: LABS[lab].params_class({})}
