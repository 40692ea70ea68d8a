"""The networks of ``sheets/energy`` and ``sheets-gfn2/energy`` declared in :mod:`baselines.sheets` (see its
docstring), imported with torch when one is fitted or used by the tools beside it."""

from __future__ import annotations

import numpy as np
import torch
import xarray as xr
from torch import nn

from baselines.estimators.ednn import EDNN, train_extensive
from baselines.sheets import HYPER
from mdbench.core.task import TaskData, TrainingReport
from mdbench.systems.sheets import images
from mdbench.systems.sheets.dataset import SHEETS
from mdbench.systems.sheets.physics import composition
from mdbench.systems.sheets.task import submission
#: image intensities are Σ Z exp(…) ≤ ~7.5; dividing by this keeps the CNN inputs O(1)
INPUT_SCALE = 7.0


class SheetCNN(nn.Module):
    """Conv stack → flatten → dense → 1.

    Parameters
    ----------
    size
        Input edge (pixels; square inputs).
    channels, strides
        Output channels and stride of every 3 × 3 convolution (zero padding 1, ReLU).
    hidden
        Width of the first dense layer.
    """

    def __init__(self, size: int, channels: tuple[int, ...], strides: tuple[int, ...], hidden: int):
        super().__init__()
        layers: list[nn.Module] = []
        c_in, edge = 1, size
        for c, s in zip(channels, strides):
            layers += [nn.Conv2d(c_in, c, 3, stride=s, padding=1), nn.ReLU()]
            c_in, edge = c, (edge + 2 - 3) // s + 1
        layers += [nn.Flatten(), nn.Linear(c_in * edge * edge, hidden), nn.ReLU(), nn.Linear(hidden, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:
            x = x.unsqueeze(1)
        return self.net(x / INPUT_SCALE)


def reduced_cnn(size: int) -> SheetCNN:
    """4 conv (16, 32, 32, 32 channels; strides 2, 2, 1, 2) + dense 64 + 1: minutes on one core.

    The first convolution has stride 2 (its 3 × 3 kernel still sees every pixel): a stride-1 first
    layer at full resolution made training 7× slower on one core for little gain.
    """
    return SheetCNN(size, (16, 32, 32, 32), (2, 2, 1, 2), 64)


def paper_cnn(size: int) -> SheetCNN:
    """13 conv + 2 dense as read here: 64-channel 3 × 3 convolutions, stride 2 every third layer, dense 1024 + 1."""
    strides = tuple(2 if k % 3 == 0 else 1 for k in range(13))
    return SheetCNN(size, (64,) * 13, strides, 1024)


#: the CNN builders that :data:`~baselines.sheets.HYPER` names
CNNS = {"reduced": reduced_cnn, "paper": paper_cnn}


def architecture(config_name: str, pixels: int) -> dict:
    """Focus, context (px) and the CNN builder for a dataset config (:data:`~baselines.sheets.HYPER`)."""
    return {"focus": pixels // 4, "context": pixels // 8, "cnn": CNNS[HYPER[config_name]["cnn"]]}


class SymmetryAugment(nn.Module):
    """Wraps a network; in training mode every input image is moved by an exact symmetry of the
    energy first: a random periodic translation by whole pixels (= rendering the translated atoms)
    and random mirrors in x and y (pixel p → −p mod N, = rendering the mirrored atoms).

    The snapshots of one trajectory are strongly correlated, so 3 200 images from 160
    trajectories are memorised without it (train MSE → 0 at a validation MSE of 0.5 in
    standardised units, `small`, 60 epochs).
    """

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            out = torch.empty_like(x)
            for k in range(len(x)):
                img = x[k]
                for axis in (0, 1):
                    if torch.rand(()) < 0.5:
                        img = torch.roll(torch.flip(img, (axis,)), 1, axis)
                shift = [int(torch.randint(n, ())) for n in img.shape]
                out[k] = torch.roll(img, shift, (0, 1))
            x = out
        return self.net(x)


class _SheetModel:
    """Shared fit/predict; subclasses build ``self.net`` and say which sets they take."""

    batch_size, lr, lr_min = 16, 1e-3, 1e-5
    #: training epochs; None: those of :data:`HYPER` for the dataset config
    epochs: int | None = None
    #: train on symmetry-moved images (:class:`SymmetryAugment`)
    augment = True

    def __init__(self, device: str = "cpu"):
        self.device = device

    def build(self, pixels: int, config_name: str) -> nn.Module:
        raise NotImplementedError

    def accepts(self, shape: tuple[int, int]) -> bool:
        raise NotImplementedError

    def network(self, x: torch.Tensor) -> torch.Tensor:
        """Network part of the energy (standardised units) of a batch of images."""
        raise NotImplementedError

    def initialise(self, config, seed: int = 0, mu: tuple[float, float, float] = (-7.5, -8.0, -7.5)):
        """Untrained model for ``config`` (random weights, given per-species energies μ_B, μ_C, μ_N in eV):
        for tests and cost measurements, whose results do not depend on the weight values."""
        from sklearn.linear_model import LinearRegression

        torch.manual_seed(seed)
        self.pixel = SHEETS.pixel_size(config)
        self.net = self.build(config["image_pixels"], config.name).eval()
        self.comp = LinearRegression(fit_intercept=False).fit(np.eye(3), np.asarray(mu))
        self.scale = 1.0
        return self

    def fit(self, data: TaskData, *, seed: int, progress: bool = True):
        from sklearn.linear_model import LinearRegression

        torch.manual_seed(seed)
        self.pixel = SHEETS.pixel_size(data.config)
        pixels = data.config["image_pixels"]
        self.net = self.build(pixels, data.config.name)
        self.comp = LinearRegression(fit_intercept=False).fit(composition(data.train["numbers"].values),
                                                              data.train["energy"].values)
        x, xv = (images.render_dataset(d, self.pixel).numpy() for d in (data.train, data.val))
        y, yv = (d["energy"].values - self.comp.predict(composition(d["numbers"].values)) for d in (data.train, data.val))
        self.scale = float(np.std(y)) or 1.0
        self.history = train_extensive(
            SymmetryAugment(self.net) if self.augment else self.net, x, y, x_val=xv, y_val=yv,
            epochs=self.epochs or HYPER[data.config]["epochs"], batch_size=self.batch_size, lr=self.lr,
            lr_min=self.lr_min, seed=seed, progress=progress, target_scale=self.scale, predict=self.network,
            device=self.device)
        self.net.eval()
        return self

    def training_report(self) -> TrainingReport:
        return self.history.report

    def energies(self, ds: xr.Dataset, batch: int = 64) -> np.ndarray | None:
        """Predicted total energies (eV) of every configuration of ``ds`` (one cell), or None if not taken."""
        cell = tuple(float(c) for c in ds["cell"].values[0])
        shape = images.grid_shape(cell, self.pixel)
        if not self.accepts(shape):
            return None
        pos, z = ds["positions"].values, ds["numbers"].values
        out = []
        with torch.no_grad():
            for i in range(0, len(pos), batch):
                out.append(self.network(images.render(pos[i:i + batch], z[i:i + batch], cell, shape)).double().numpy())
        return np.concatenate(out) * self.scale + self.comp.predict(composition(z))

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        out = {name: self.energies(ds) for name, ds in data.inputs.items()}
        return submission({k: v for k, v in out.items() if v is not None})


class EDNNSheets(_SheetModel):
    """Tiling EDNN with a CNN inside; see the module docstring."""

    def build(self, pixels: int, config_name: str) -> EDNN:
        arch = architecture(config_name, pixels)
        self.focus, self.context = arch["focus"], arch["context"]
        return EDNN(arch["cnn"](self.focus + 2 * self.context), self.focus, self.context)

    def accepts(self, shape) -> bool:
        return all(n % self.focus == 0 for n in shape)

    def network(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.predict(x) if not torch.is_grad_enabled() else self.net(x)

    def stream_energy(self, positions: np.ndarray, numbers: np.ndarray, cell: tuple[float, float],
                      tiles_per_batch: int = 512) -> float:
        """Total energy (eV) of one sheet of any size, streaming tiles (O(N) time, bounded memory).

        Every tile (focus + context) is rendered from the atoms that overlap it
        (:class:`~mdbench.systems.sheets.images.TileRenderer`); at most ``tiles_per_batch`` tiles
        exist at once and the full image never does.  Equal to :meth:`energies` on the same sheet
        up to float32 rounding.
        """
        return self.energy_from(self.stream_sum(positions, numbers, cell, tiles_per_batch), species_counts(numbers))

    def stream_sum(self, positions: np.ndarray, numbers: np.ndarray, cell: tuple[float, float],
                   tiles_per_batch: int = 512, tile_rows: tuple[int, int] | None = None) -> float:
        """Σ of the network over the tiles (standardised units, float64 accumulation), streamed.

        ``tile_rows`` = (j0, j1): only the tiles whose focus block has y index j0 ≤ j < j1 (a band
        of a sheet sharded over workers, see :mod:`baselines.sheets.scale`); all tiles if None.
        """
        device = next(self.net.parameters()).device
        renderer = images.TileRenderer(positions, numbers, cell, self.pixel, self.focus, self.context, device=device)
        ids = renderer.tile_grid()
        if tile_rows is not None:
            ids = ids[(ids[:, 1] >= tile_rows[0]) & (ids[:, 1] < tile_rows[1])]
        total = torch.zeros((), dtype=torch.float64, device=device)
        with torch.no_grad():
            for i in range(0, len(ids), tiles_per_batch):
                total += self.net.inner(renderer.tiles(ids[i:i + tiles_per_batch])).double().sum()
        return float(total)

    def energy_from(self, network_sum: float, counts: np.ndarray) -> float:
        """Energy (eV) from :meth:`stream_sum` (summed over shards) and the (B, C, N) atom counts."""
        return network_sum * self.scale + float(self.comp.predict(np.asarray(counts, dtype=float).reshape(1, -1))[0])


def species_counts(numbers: np.ndarray) -> np.ndarray:
    """Atoms of each species (B, C, N) of one sheet: :func:`composition` of a single configuration."""
    return composition(np.asarray(numbers)[None]).astype(np.int64)[0]


class CNNSheets(_SheetModel):
    """The same CNN on the whole 60-atom image (no tiling, not extensive).

    Trained without :class:`SymmetryAugment`: its dense head is not translation invariant, and
    with random translations it learned nothing (test MAE equal to the composition reference's,
    37.5 meV/Å² on `small`, seed 0); without them it does learn (see the data card).
    """

    augment = False

    def build(self, pixels: int, config_name: str) -> SheetCNN:
        self.pixels = pixels
        return architecture(config_name, pixels)["cnn"](pixels)

    def accepts(self, shape) -> bool:
        return tuple(shape) == (self.pixels, self.pixels)

    def network(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).reshape(-1)
