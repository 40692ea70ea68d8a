"""The paper's image representation of a sheet, rendered from the atoms (torch; CPU or GPU).

V(x, y) = Σᵢ Zᵢ exp(−|r − rᵢ|² / 2γ²), γ = 0.2 Å, sampled on a periodic rectangular grid with
pixel (p, q) at (p·Δx, q·Δy), minimum-image distances in x and y (the cell is ≥ 8γ wide).  The
out-of-plane coordinate z is ignored, as in Mills et al. (2019).  The Gaussian is separable,
exp(−(Δx² + Δy²)/2γ²) = gₓ(Δx)·g_y(Δy), so a whole image is one batched matrix product
Vᵦ = (Z·Gₓ)ᵀ G_y with Gₓ of shape (atoms, Nx): no per-pixel loop and no (atoms × pixels) tensor.

:func:`render_tiles` renders tiles (focus + context) of a huge sheet from the atoms overlapping
each tile only (cell list), so the full image never exists: the streaming O(N) inference path.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from mdbench.core.errors import MdbenchError

#: Gaussian width γ of the paper (Å)
GAMMA = 0.2
#: atoms farther than this many γ from a pixel contribute < exp(−32) ≈ 10⁻¹⁴ of their peak
CUTOFF_SIGMAS = 8.0


class GridError(MdbenchError, ValueError):
    """A sheet's cell is not a whole number of pixels (or of focus blocks) of the model's grid."""


def grid_shape(cell: tuple[float, float], pixel: tuple[float, float]) -> tuple[int, int]:
    """Pixels along x and y of a cell rendered at pixel size ``pixel`` (Å); the cell must hold a whole number."""
    shape = tuple(int(round(c / p)) for c, p in zip(cell, pixel))
    if any(abs(n * p - c) > 1e-6 * c for n, p, c in zip(shape, pixel, cell)):
        raise GridError(f"cell {tuple(round(c, 4) for c in cell)} Å is not a whole number of pixels of "
                        f"{tuple(round(p, 4) for p in pixel)} Å; build sheets from whole 60-atom cells (5·m × 3·n "
                        "orthogonal 4-atom cells)")
    return shape


def _axis_gaussians(coord: torch.Tensor, n: int, step: float, length: float, gamma: float) -> torch.Tensor:
    """exp(−d²/2γ²) of every atom to every grid point of one axis, minimum-image d: (…, atoms, n)."""
    grid = torch.arange(n, dtype=coord.dtype, device=coord.device) * step
    d = grid - coord.unsqueeze(-1)
    d = d - length * torch.round(d / length)
    return torch.exp(-0.5 * (d / gamma) ** 2)


def render(positions, numbers, cell: tuple[float, float], shape: tuple[int, int], gamma: float = GAMMA,
           dtype=torch.float32, device=None) -> torch.Tensor:
    """Images of a batch of configurations in the same cell.

    Parameters
    ----------
    positions
        (B, n, ≥2) Å (array or tensor); padding atoms have number 0 and contribute nothing.
    numbers
        (B, n) atomic numbers Z (the pixel weight).
    cell
        (Lx, Ly) Å, periodic.
    shape
        (Nx, Ny) pixels; pixel (p, q) sits at (p·Lx/Nx, q·Ly/Ny).

    Returns
    -------
    (B, Nx, Ny) tensor, units of Z (dimensionless).
    """
    pos = torch.as_tensor(np.asarray(positions)[..., :2] if not torch.is_tensor(positions) else positions[..., :2],
                          dtype=torch.float64, device=device)
    z = torch.as_tensor(np.asarray(numbers) if not torch.is_tensor(numbers) else numbers, device=device).to(dtype)
    (lx, ly), (nx, ny) = cell, shape
    gx = _axis_gaussians(pos[..., 0], nx, lx / nx, lx, gamma).to(dtype)
    gy = _axis_gaussians(pos[..., 1], ny, ly / ny, ly, gamma).to(dtype)
    return torch.einsum("bip,biq->bpq", gx * z.unsqueeze(-1), gy)


def render_dataset(ds, pixel: tuple[float, float], batch: int = 256, gamma: float = GAMMA) -> torch.Tensor:
    """Images (n_config, Nx, Ny) of every configuration of a split (all configurations share one cell)."""
    cells = ds["cell"].values
    if not np.allclose(cells, cells[0]):
        raise ValueError("render_dataset needs configurations in one cell; render the others one by one")
    cell = tuple(float(c) for c in cells[0])
    shape = grid_shape(cell, pixel)
    pos, z = ds["positions"].values, ds["numbers"].values
    return torch.cat([render(pos[i:i + batch], z[i:i + batch], cell, shape, gamma)
                      for i in range(0, len(pos), batch)])


class TileRenderer:
    """Renders tiles of edge f + 2c pixels of one (possibly huge) periodic sheet, straight from its atoms.

    Atoms are sorted once into bins of one focus block and padded to the fullest bin's count M (an
    (nx, ny, M) index array); the tile whose focus is block (i, j) gathers the (2h+1)² bins within
    ``context + cutoff`` of it and renders from those atoms only.  Everything is vectorised over a
    batch of tiles (torch, CPU or GPU); memory is O(atoms) + O(tiles per call × tile pixels) and the
    full image is never formed.

    Parameters
    ----------
    positions, numbers
        (n, ≥2) Å and (n,) Z of the sheet.
    cell
        (Lx, Ly) Å.
    pixel
        (Δx, Δy) Å; the cell must be a whole number of focus-sized blocks.
    focus, context
        f and c in pixels.
    device
        Torch device holding the binned atoms and rendering the tiles.
    """

    def __init__(self, positions: np.ndarray, numbers: np.ndarray, cell: tuple[float, float],
                 pixel: tuple[float, float], focus: int, context: int, gamma: float = GAMMA, device=None):
        self.cell, self.pixel, self.focus, self.context, self.gamma = tuple(cell), tuple(pixel), focus, context, gamma
        self.device = device
        self.shape = grid_shape(self.cell, self.pixel)
        if any(n % focus for n in self.shape):
            raise GridError(f"image {self.shape} px is not a multiple of the focus {focus} px; build sheets from whole "
                            "60-atom cells")
        self.n_tiles = (self.shape[0] // focus, self.shape[1] // focus)
        nx, ny = self.n_tiles
        xy = np.asarray(positions)[:, :2] % np.asarray(self.cell)
        block = np.array([focus * p for p in self.pixel])
        # an atom farther than `reach` from a tile's focus block cannot touch its pixels
        reach = context * max(self.pixel) + CUTOFF_SIGMAS * gamma
        self.halo = int(math.ceil(reach / block.min()))
        bx = np.minimum((xy[:, 0] // block[0]).astype(np.int64), nx - 1)
        by = np.minimum((xy[:, 1] // block[1]).astype(np.int64), ny - 1)
        key = bx * ny + by
        order = np.argsort(key, kind="stable")
        counts = np.bincount(key, minlength=nx * ny)
        width = max(1, int(counts.max()))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        slot = np.arange(len(key)) - starts[key[order]]
        bins = np.full((nx * ny, width), len(key), dtype=np.int64)  # index len(key) = an empty padding atom
        bins[key[order], slot] = order
        self.bins = torch.as_tensor(bins.reshape(nx, ny, width), device=device)
        self.xy = torch.as_tensor(np.vstack([xy, [[0.0, 0.0]]]), dtype=torch.float64, device=device)
        self.z = torch.as_tensor(np.append(np.asarray(numbers, dtype=np.float32), 0.0), device=device)
        # a sheet narrower than a tile's reach: every bin of that axis, each once (no double counting)
        ox, oy = (torch.arange(-self.halo, self.halo + 1, device=device) if 2 * self.halo + 1 <= n
                  else torch.arange(n, device=device) for n in (nx, ny))
        self._di, self._dj = torch.meshgrid(ox, oy, indexing="ij")

    def _gather(self, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
        nx, ny = self.n_tiles
        ii = (i[:, None, None] + self._di) % nx
        jj = (j[:, None, None] + self._dj) % ny
        return self.bins[ii, jj].reshape(len(i), -1)

    def tiles(self, tile_ids, dtype=torch.float32) -> torch.Tensor:
        """Rendered tiles ``(len(tile_ids), 1, f+2c, f+2c)``; ``tile_ids`` is [(i, j), …] or an (T, 2) tensor."""
        ids = torch.as_tensor(tile_ids, device=self.device).reshape(-1, 2)
        f, c = self.focus, self.context
        idx = self._gather(ids[:, 0], ids[:, 1])
        pos, z = self.xy[idx], self.z[idx]
        origin = (ids.to(torch.float64) * f - c) * torch.tensor(self.pixel, dtype=torch.float64, device=self.device)
        edge = f + 2 * c
        gx = _tile_gaussians(pos[..., 0], origin[:, 0], edge, self.pixel[0], self.cell[0], self.gamma, dtype)
        gy = _tile_gaussians(pos[..., 1], origin[:, 1], edge, self.pixel[1], self.cell[1], self.gamma, dtype)
        return torch.einsum("bip,biq->bpq", gx * z.to(dtype).unsqueeze(-1), gy).unsqueeze(1)

    def tile_grid(self) -> torch.Tensor:
        """(n_tiles, 2) indices (i, j) of every tile, row by row."""
        nx, ny = self.n_tiles
        i, j = torch.meshgrid(torch.arange(nx, device=self.device), torch.arange(ny, device=self.device), indexing="ij")
        return torch.stack([i.reshape(-1), j.reshape(-1)], 1)


def _tile_gaussians(coord: torch.Tensor, origin: torch.Tensor, n: int, step: float, length: float,
                    gamma: float, dtype=torch.float32) -> torch.Tensor:
    """Like :func:`_axis_gaussians` for a window of ``n`` grid points starting at ``origin`` (per tile)."""
    # offsets from the tile's centre, minimum image, in float64 (coordinates reach 10⁴ Å); the rest
    # in float32 (|d| < L).  A pixel then sees the atom's nearest image whenever the two differ by
    # less than L/2 − half the tile, ≥ 8γ for every cell of this dataset (tile ≤ L − 3.2 Å)
    half = 0.5 * (n - 1) * step
    rel = coord - (origin.unsqueeze(-1) + half)
    rel = (rel - length * torch.round(rel / length)).to(dtype) + half  # (T, atoms)
    grid = torch.arange(n, dtype=dtype, device=coord.device) * step
    d = grid - rel.unsqueeze(-1)  # (T, atoms, n)
    return torch.exp(-0.5 * (d / gamma) ** 2)
