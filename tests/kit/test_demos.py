"""Kit tests of the provided demos: exercises/init_demo.py shows, with the references' initializers, what its
docstring promises (the learner predicts it, then runs it: its results belong in no learner-facing check).
Under `pytest --impl solutions` the ``init`` fixture is solutions/initializers.py."""

from __future__ import annotations

import zlib

import pytest

from exercises.feedback.checks import fail

pytestmark = pytest.mark.kit


def seed_for(name: str) -> int:
    return zlib.crc32(name.encode()) % 2**62


def test_demo_kaiming_keeps_relu_activations_while_normal_explodes_and_vanishes(init):
    """20 ReLU layers: Kaiming keeps every layer's output std within a factor 2; N(0, 1) explodes,
    N(0, 0.01) vanishes. (width 1024: log(max/min) of Kaiming's stds is 0.18 +- 0.065 over seeds, so a
    factor 2 (0.69) is 7.8 standard deviations away.)"""
    from exercises import init_demo

    seed = seed_for("demo")
    kaiming = init_demo.activation_stds(
        "kaiming_normal", "relu", width=1024, batch=64, module=init, seed=seed
    )
    big = init_demo.activation_stds("N(0, 1)", "relu", width=256, batch=64, module=init, seed=seed)
    small = init_demo.activation_stds(
        "N(0, 0.01)", "relu", width=256, batch=64, module=init, seed=seed
    )
    text = "init_demo.activation_stds(..., 'relu') over 20 layers"
    if not kaiming.max() <= 2 * kaiming.min():
        fail(
            text,
            f"with kaiming_normal the layers' output std ranges from {kaiming.min():.3g} to "
            f"{kaiming.max():.3g}: it should stay within a factor 2",
        )
    if not big[-1] > 1e6 * big[0]:
        fail(
            text,
            f"with N(0, 1) the last layer's std is {big[-1] / big[0]:.3g} x the first's; "
            "it should explode (> 1e6)",
        )
    if not small[-1] < 1e-6 * small[0]:
        fail(
            text,
            f"with N(0, 0.01) the last layer's std is {small[-1] / small[0]:.3g} x the first's; "
            "it should vanish (< 1e-6)",
        )
    fig = init_demo.plot_activation_stds({"kaiming_normal": kaiming, "N(0, 1)": big})
    assert len(fig.axes[0].lines) >= 2
    import matplotlib.pyplot as plt

    plt.close(fig)
