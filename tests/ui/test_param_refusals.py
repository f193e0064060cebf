"""The parameter panel refuses what the file loader refuses: values named as typed, models too big to build."""

from __future__ import annotations

import pytest

from nnlab.core.knobs import ParamError
from nnlab.ui.messages import ParamsChanged
from nnlab.ui.widgets.param_panel import parse

from .conftest import ready


def test_a_bad_list_is_reported_as_typed():
    from nnlab.core.backprop.params import MLPParams
    from nnlab.core.knobs import check_value

    raw = parse("abc", tuple[int, ...])
    assert raw == "abc"
    with pytest.raises(ParamError) as err:
        check_value(MLPParams, "layers", raw)
    assert "[abc]" not in str(err.value.found) and "abc" in str(err.value.found)


async def test_a_model_too_big_for_memory_is_refused_and_the_lab_keeps_its_model(make_app, monkeypatch):
    monkeypatch.setenv("NNLAB_MEMORY_LIMIT_MB", "50")
    app = make_app("rbm_boltzmann_temperature")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        lab = app.lab()
        model, params = lab.model, lab.params
        notices = []
        monkeypatch.setattr(app, "notify", lambda message, **kw: notices.append(message))
        lab.post_message(ParamsChanged(params.replace(samples=100_000_000)))
        await pilot.pause(0.3)
        assert lab.model is model and lab.params == params and lab._build is None
        assert any("params.samples" in n and "MB" in n for n in notices), notices
        await pilot.press("n")
        assert lab.frame.step == 1
