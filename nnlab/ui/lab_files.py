"""What a lab screen writes: the scenario as it stands, its traces (.npz) and its plots as text.

Every write is atomic (a temporary file renamed), in the working folder, or in the student's own
folder on a class server.
"""

from __future__ import annotations

import io
from pathlib import Path

from nnlab.scenario.class_access import ClassAccess


class LabFiles:
    """The saving half of `LabView` (a mixin: it uses the view's state and notifications)."""

    def action_save(self) -> None:
        from nnlab.ui.dialogs import SaveScenario

        self.app.push_screen(SaveScenario(self.current_scenario(), self._access))

    def action_export(self) -> None:
        if not self._ready(queue=self.action_export) or self.running:
            if self.running:
                self.notify("pause (space) before exporting", timeout=2)
            return
        import numpy as np

        from nnlab.scenario.writer import write_atomic

        name = f"{self.scenario.name or self.spec.name}-step{self.model.steps_total}.npz"
        path = _free_path(self._output_dir() / name)
        buf = io.BytesIO()
        np.savez(buf, **self.model.traces())
        try:
            write_atomic(path, buf.getvalue())
        except OSError as exc:
            self.notify(f"could not write {path}: {exc.strerror}", severity="error")
            return
        self.notify(f"traces written to {self._shown(path)}", timeout=4)

    @property
    def _access(self) -> ClassAccess | None:
        """The class-server session's folders, when the app is one."""
        return getattr(self.app, "access", None)

    def _output_dir(self) -> Path:
        return self._access.saves if self._access is not None else Path.cwd()

    def _shown(self, path: Path) -> str:
        """`path` as the user should read it: in their class folder, or with ~ for the home folder."""
        if self._access is not None:
            return self._access.shown(path)
        try:
            return "~/" + str(path.relative_to(Path.home()))
        except ValueError:
            return str(path)

    def export_plots(self) -> None:
        """Write the two figures as plain text."""
        from nnlab.plotting.text_export import figure_text
        from nnlab.scenario.writer import write_atomic

        if self.frame is None:
            return
        top, bottom = self.figures(self.frame)
        path = _free_path(self._output_dir() / f"{self.scenario.name or self.spec.name}-plots.txt")
        text = figure_text(top) + "\n\n" + figure_text(bottom) + "\n"
        try:
            write_atomic(path, text)
        except OSError as exc:
            self.notify(f"could not write {path}: {exc.strerror}", severity="error")
            return
        self.notify(f"plots written to {self._shown(path)}", timeout=4)


def _free_path(path: Path) -> Path:
    """`path`, or `path` with -1, -2 ... before the suffix when it exists."""
    if not path.exists():
        return path
    k = 1
    while True:
        cand = path.with_name(f"{path.stem}-{k}{path.suffix}")
        if not cand.exists():
            return cand
        k += 1
