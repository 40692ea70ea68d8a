"""Figures fixed for issue 21 (the committed PNGs change only when their recording runs are re-run):
the RFMIP flux panel titles stay inside the figure, the channel correlation plot shows the physics
reference's line at 1.0 inside the frame, and the forecasting RMSD-vs-lead plot is in ps and names
the entries it draws."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mdbench import catalog  # noqa: E402


def test_rfmip_flux_titles_fit_in_the_figure():
    from mdbench.systems.rfmip.dataset import FLUXES
    from mdbench.systems.rfmip.figures import _flux_figure

    p = np.geomspace(1.0, 1e5, 61)
    det = {"level_pressure_mean": p.tolist()}
    for flux in FLUXES:
        det |= {f"{flux}_error_mean": np.zeros(61).tolist(), f"{flux}_error_p2.5": (-np.ones(61)).tolist(),
                f"{flux}_error_p97.5": np.ones(61).tolist()}
    results = {"config": "small", "entries": {"mlp-3x128": {"role": "model", "details": det},
                                              "training-mean": {"role": "static reference", "details": det}}}
    fig = _flux_figure(results, ["mlp-3x128", "training-mean"])
    fig.tight_layout()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    titles = [ax.title for ax in fig.axes]
    assert any("direct + diffuse" in t.get_text() for t in titles)
    for title in titles:
        box = title.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= fig.bbox.x1, f"title {title.get_text()!r} runs off the figure"
    plt.close(fig)


def test_channel_correlation_shows_the_physics_reference_line_inside_the_frame():
    from mdbench.systems.channel.figures import _correlation_figure
    from mdbench.systems.channel.task import TAU_NAMES

    y = np.linspace(0.0, 2.0, 17)
    yplus = {"y": (y * 180).tolist(), "yh": (np.linspace(0.0, 2.0, 18) * 180).tolist()}

    def entry(role, value):
        corr = {var: [value] * 18 for var in TAU_NAMES.values()}
        return {"role": role, "details": {"correlation_by_height": corr, "yplus": yplus}}

    results = {"entries": {"mlp": entry("model", 0.6), "no-model": entry("static reference", 0.0),
                           "filtered-dns": entry("physics reference", 1.0)}}
    fig = _correlation_figure(results)
    fig.canvas.draw()
    for ax in fig.axes:
        ref = [line for line in ax.get_lines() if "physics reference" in str(line.get_label())]
        assert ref, ax.get_title()
        top_px = ax.bbox.y1
        line_px = ax.transData.transform((10.0, 1.0))[1]
        assert top_px - line_px >= 3, f"{ax.get_title()}: the line at 1.0 sits on the frame"
    plt.close(fig)


def test_forecast_rmsd_vs_lead_is_in_ps_and_names_its_entries():
    from mdbench.systems.md_forecast.figures import frame_ps, rmsd_vs_lead_figure

    config = catalog.dataset("adk").config("small")
    dt = frame_ps(config)
    assert dt == config["timestep"] * config["save_every"] / 1000.0 and dt > 0
    metrics = {f"rmsd_h{h}_L{lead}": {"value": 0.1 * lead, "stderr": 0.01}
               for h in config["histories"] for lead in config["leads"]}
    results = {"task": "adk/forecast", "config": "small",
               "entries": {"lstm-atom": {"role": "model", "metrics": metrics},
                           "static": {"role": "static reference", "metrics": metrics}}}
    fig = rmsd_vs_lead_figure(results, config)
    for ax in fig.axes:
        assert "[ps]" in ax.get_xlabel()
        xs = ax.get_lines()[0].get_xdata()
        assert np.allclose(xs, [lead * dt for lead in config["leads"]])
    assert "lstm-atom" in fig._suptitle.get_text() and "references" in fig._suptitle.get_text()
    plt.close(fig)
