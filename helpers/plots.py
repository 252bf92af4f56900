"""Plots for the notebooks: image grids, training curves, decision boundaries."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .i18n import _

__all__ = [
    "computation_graph",
    "decision_boundary",
    "hidden_unit_maps",
    "image_grid",
    "paths_on_bowl",
    "training_curves",
]


def _label(value, class_names: Sequence[str] | None) -> str:
    value = int(value)
    return class_names[value] if class_names is not None else str(value)


def image_grid(
    images: np.ndarray,
    labels: Sequence[int] | np.ndarray,
    predictions: Sequence[int] | np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    ncols: int = 8,
    title: str | None = None,
):
    """Show images ``(m, 28, 28)`` or ``(m, 784)`` in a grid, each titled with its labels.

    Images ``(m, h, w)`` of any size keep their shape (e.g. 28 x 84 canvases); flat
    ones are shown square.

    With ``predictions``, each title reads "true: X / pred: Y" and wrong predictions
    are drawn in red. Returns the matplotlib Figure.
    """
    images = np.asarray(images)
    m = len(images)
    if m == 0:
        raise ValueError(_("image_grid needs at least one image"))
    if images.ndim != 3:
        side = int(round(np.sqrt(images[0].size)))
        images = images.reshape(m, side, side)
    width = 1.5 * min(images.shape[2] / images.shape[1], 3.0)
    ncols = min(ncols, m)
    nrows = int(np.ceil(m / ncols))
    # constrained layout leaves room for every title; tight_layout let a two-line title
    # overprint the images of the row above
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, 1.7 * nrows), squeeze=False,
                             layout="constrained")
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= m:
            continue
        ax.imshow(images[i], cmap="gray_r")
        true = _label(labels[i], class_names)
        text = _("true: {true}").format(true=true)
        colour = "black"
        if predictions is not None:
            text = _("true: {true}\npred: {pred}").format(
                true=true, pred=_label(predictions[i], class_names))
            colour = "black" if int(predictions[i]) == int(labels[i]) else "red"
        ax.set_title(text, fontsize=8, color=colour)
    if title:
        fig.suptitle(title)
    return fig


def training_curves(history, metrics: Sequence[str] | None = None, title: str | None = None,
                    one_axes: bool = False, ylabel: str | None = None):
    """Plot per-epoch curves from a Keras ``History`` or a dict of lists.

    Each metric gets its own axes, with its ``val_`` twin when present; with
    ``one_axes`` all curves share one axes (labelled ``ylabel``, "loss" by default), to
    compare them.
    Returns the Figure.
    """
    logs: Mapping[str, Sequence[float]] = getattr(history, "history", history)
    if metrics is None:
        metrics = [k for k in logs if not k.startswith("val_")]
    if one_axes:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for metric in metrics:
            values = logs[metric]
            ax.plot(np.arange(1, len(values) + 1), values, marker=".", label=metric)
        ax.set(xlabel=_("epoch"), ylabel=_("loss") if ylabel is None else ylabel,
               title=title or "")
        ax.legend()
        fig.tight_layout()
        return fig
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
    for ax, metric in zip(axes.flat, metrics, strict=True):
        values = logs[metric]
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, marker=".", label=_("train {metric}").format(metric=metric))
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], marker=".",
                    label=_("validation {metric}").format(metric=metric))
        ax.set_xlabel(_("epoch"))
        ax.set_ylabel(metric)
        ax.set_title(metric)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    feature_names: Sequence[str] = ("x1", "x2"),
    threshold: float = 0.5,
    resolution: int = 200,
    ax=None,
    title: str | None = None,
):
    """Shade ``predict`` over the plane of ``X`` ``(m, 2)`` and draw its threshold contour.

    ``predict`` is called once, on a ``(resolution**2, 2)`` grid, and returns
    probabilities of shape ``(k,)`` or ``(k, 1)``. ``title`` defaults to "Decision boundary".
    Returns the matplotlib Axes.
    """
    X = np.asarray(X, dtype=float)
    g0, g1, grid = _plane_grid(X, resolution)
    probability = np.asarray(predict(grid), dtype=float).reshape(g0.shape)
    if ax is None:
        ax = plt.subplots(figsize=(5, 4))[1]
    shading = ax.contourf(g0, g1, probability, levels=np.linspace(0, 1, 11),
                          cmap="RdBu_r", alpha=0.35)
    ax.contour(g0, g1, probability, levels=[threshold], colors="k", linewidths=1.5)
    ax.figure.colorbar(shading, ax=ax, label=_("predicted probability"))
    _scatter_labels(ax, X, y, feature_names)
    ax.set_title(_("Decision boundary") if title is None else title)
    ax.legend(loc="upper right")
    return ax


def hidden_unit_maps(
    activations: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    feature_names: Sequence[str] = ("x1", "x2"),
    resolution: int = 120,
    title: str | None = None,
):
    """Shade each unit's activation over the plane of ``X`` ``(m, 2)``, one panel per unit.

    ``activations`` is called once, on a ``(resolution**2, 2)`` grid, and returns
    ``(k, units)`` values in [0, 1] (e.g. a sigmoid layer). ``title`` defaults to "What each
    unit responds to". Returns the Figure.
    """
    X = np.asarray(X, dtype=float)
    g0, g1, grid = _plane_grid(X, resolution)
    values = np.asarray(activations(grid), dtype=float).reshape(len(grid), -1)
    units = values.shape[1]
    fig, axes = plt.subplots(1, units, figsize=(3.8 * units + 1, 3.6), squeeze=False,
                             sharey=True, layout="constrained")
    for j, ax in enumerate(axes.flat):
        shading = ax.contourf(g0, g1, values[:, j].reshape(g0.shape),
                              levels=np.linspace(0, 1, 11), cmap="Greens")
        _scatter_labels(ax, X, y, feature_names, size=12)
        ax.set_title(_("unit {unit}").format(unit=j))
        if j:
            ax.set_ylabel("")
    fig.colorbar(shading, ax=list(axes.flat), label=_("activation"))
    fig.suptitle(_("What each unit responds to") if title is None else title)
    return fig


def _plane_grid(X: np.ndarray, resolution: int):
    """A ``resolution x resolution`` grid over the bounding box of ``X`` (5 % margin)."""
    pad = 0.05 * (X.max(axis=0) - X.min(axis=0))
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    return g0, g1, np.column_stack([g0.ravel(), g1.ravel()])


def _scatter_labels(ax, X, y, feature_names, size: int = 25) -> None:
    y = np.asarray(y).reshape(-1)
    for label, marker, colour in ((0, "o", "tab:blue"), (1, "x", "tab:red")):
        rows = y == label
        ax.scatter(X[rows, 0], X[rows, 1], marker=marker, c=colour, s=size, label=f"y = {label}")
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])


def paths_on_bowl(paths: Mapping[str, np.ndarray], ax=None, title: str | None = None):
    """Contours of notebook 07's bowl with each optimiser's path ``(k, 2)``; returns the Axes.

    ``title`` defaults to "Paths on the bowl".
    The contours come from one evaluation of the bowl over a 300 x 300 grid.
    """
    from .bowl import bowl

    if ax is None:
        ax = plt.subplots(figsize=(7, 3.6))[1]
    g0, g1 = np.meshgrid(np.linspace(-4.5, 4.5, 300), np.linspace(-1.6, 1.6, 300))
    values = bowl(np.stack([g0, g1], axis=-1))
    ax.contour(g0, g1, values, levels=np.geomspace(0.01, 40, 14), cmap="Greys", linewidths=0.7)
    for name, path in paths.items():
        ax.plot(path[:, 0], path[:, 1], marker=".", markersize=4, lw=1.2,
                label=_("{name} ({steps} steps)").format(name=name, steps=len(path) - 1))
    ax.plot(0, 0, "k*", markersize=10, label=_("minimum"))
    ax.set(xlabel="w1", ylabel="w2", title=_("Paths on the bowl") if title is None else title,
           xlim=(-4.5, 4.5), ylim=(-1.6, 1.6))
    ax.legend(fontsize=8, loc="lower right")
    return ax


def computation_graph(nodes: Mapping[str, tuple[float, float, str]],
                      edges: Sequence[tuple[str, str]],
                      values: Mapping[str, float] | None = None,
                      grads: Mapping[str, float] | None = None,
                      title: str | None = None):
    """Draw a small computation graph: a box per node, an arrow per edge; returns the Figure.

    ``nodes[name] = (x, y, text)`` places a box showing ``text`` (e.g. ``"c = w x"``);
    ``edges`` are ``(from, to)`` pairs. ``values`` adds each node's value from the forward
    pass inside its box; ``grads`` adds dJ/d(node) from the backward pass above it, in red.
    ``title`` defaults to "Computation graph".
    """
    fig, ax = plt.subplots(figsize=(10, 3.4))
    boxes = {}
    for name, (x, y, text) in nodes.items():
        label = text if not values or name not in values else f"{text}\n= {values[name]:g}"
        boxes[name] = ax.text(x, y, label, ha="center", va="center", fontsize=11, zorder=3,
                              bbox={"boxstyle": "round,pad=0.45", "facecolor": "#e8f0fe",
                                    "edgecolor": "#4a6fa5"})
        if grads and name in grads:
            ax.text(x, y + 0.42, rf"$\partial J / \partial {name} = {grads[name]:g}$",
                    ha="center", va="bottom", fontsize=10, color="#c0392b")
    fig.canvas.draw()  # lays the boxes out, so that the arrows stop at their edges
    for start, end in edges:
        (x0, y0, _text), (x1, y1, _text) = nodes[start], nodes[end]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops={"arrowstyle": "-|>", "color": "0.45", "lw": 1.3,
                                "patchA": boxes[start].get_bbox_patch(),
                                "patchB": boxes[end].get_bbox_patch()})
    xs = [x for x, _y, _text in nodes.values()]
    ys = [y for _x, y, _text in nodes.values()]
    ax.set(xlim=(min(xs) - 0.8, max(xs) + 0.8), ylim=(min(ys) - 0.6, max(ys) + 0.9))
    title = _("Computation graph") if title is None else title
    ax.set_title(title + ("" if not grads else "  " + _("(red: the backward pass, dJ/d node)")))
    ax.axis("off")
    fig.tight_layout()
    return fig
