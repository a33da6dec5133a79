"""Regions around training points vs random points, for an MLP trained in PyTorch.

Trains a small ReLU MLP (2 -> 32 -> 32 -> 1) on a two-moons toy data set (a few seconds on a
CPU), imports it with :func:`polyreg.io.from_torch`, and counts the exact number of activation
regions (:func:`polyreg.enumerate_regions`) in small L2 balls around training points and
around uniformly random points of the data's bounding box.

Run from the repository root (needs ``pip install 'polyreg[torch]'``)::

    python examples/seeds_experiment.py [--seed 0] [--points 40]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import polyreg
import polyreg.io

RADII = (0.05, 0.1, 0.2)


def make_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (``n`` points, labels 0/1), standardised."""
    t = rng.uniform(0, np.pi, n)
    label = rng.integers(0, 2, n)
    x = np.where(
        label[:, None] == 0,
        np.column_stack([np.cos(t), np.sin(t)]),
        np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]),
    )
    x = x + rng.normal(scale=noise, size=x.shape)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return x, label.astype(np.float64)


def make_mlp(seed: int, width: int = 32) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(2, width),
        torch.nn.ReLU(),
        torch.nn.Linear(width, width),
        torch.nn.ReLU(),
        torch.nn.Linear(width, 1),
    ).double()


def roll_penalty(model: torch.nn.Sequential, x: torch.Tensor, gamma: float) -> torch.Tensor:
    """ROLL-style margin penalty: mean over points and hidden neurons of
    ``relu(gamma - |z_k(x)| / ||grad_x z_k(x)||)``.

    The gradients are the rows of the region's local maps, built with the masked recurrence
    ``G1 = W1``, ``G2 = W2 diag(z1 > 0) G1`` (differentiable in the weights).
    """
    l1, l2 = model[0], model[2]
    z1 = l1(x)
    z2 = l2(torch.relu(z1))
    g1 = l1.weight.expand(len(x), -1, -1)  # (B, h1, d)
    g2 = l2.weight @ ((z1 > 0).double().unsqueeze(-1) * g1)  # (B, h2, d)
    z = torch.cat([z1, z2], dim=1)
    norms = torch.cat([g1, g2], dim=1).norm(dim=-1).clamp_min(1e-12)
    return torch.relu(gamma - z.abs() / norms).mean()


def train(
    x: np.ndarray,
    y: np.ndarray,
    seed: int,
    *,
    steps: int = 1500,
    roll: float = 0.0,
    gamma: float = 0.3,
) -> torch.nn.Sequential:
    """Full-batch Adam on the logistic loss, plus ``roll`` times the ROLL penalty."""
    model = make_mlp(seed)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xt)[:, 0], yt)
        if roll:
            loss = loss + roll * roll_penalty(model, xt, gamma)
        loss.backward()
        opt.step()
    return model.eval()


def accuracy(net: polyreg.Network, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((net.forward(x)[:, 0] > 0) == (y > 0.5)))


def margins(net: polyreg.Network, points: np.ndarray) -> np.ndarray:
    """Per point, ``min_k |z_k(x)| / ||g_k||_2`` over the hidden neurons (its region's local
    maps): the distance to the nearest hyperplane bounding its activation region."""
    out = []
    for p in points:
        maps = net.local_maps(net.pattern(p))
        norms = np.linalg.norm(maps.G, axis=1)
        live = norms > 0
        out.append(np.min(np.abs(maps.G[live] @ p + maps.c[live]) / norms[live]))
    return np.array(out)


def region_counts(net: polyreg.Network, centres: np.ndarray, radius: float) -> np.ndarray:
    """Exact number of activation regions meeting each L2 ball ``B(centre, radius)``."""
    return np.array(
        [
            len(polyreg.enumerate_regions(net, polyreg.Ball(c, radius), progress=False))
            for c in centres
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--points", type=int, default=40, help="balls of each kind")
    args = parser.parse_args()
    torch.set_num_threads(1)  # tiny tensors: threads only add contention
    rng = np.random.default_rng(args.seed)
    x, y = make_moons(300, 0.1, rng)
    start = time.perf_counter()
    model = train(x, y, args.seed)
    net = polyreg.io.from_torch(model, (2,))
    print(
        f"trained 2-32-32-1 MLP in {time.perf_counter() - start:.1f} s; imported: widths "
        f"{net.widths}, training accuracy {accuracy(net, x, y):.3f}"
    )
    train_pts = x[rng.choice(len(x), args.points, replace=False)]
    lo, hi = x.min(axis=0), x.max(axis=0)
    random_pts = rng.uniform(lo, hi, size=(args.points, 2))
    print(f"\nexact region counts in L2 balls, {args.points} centres of each kind")
    print(f"{'radius':>7} | {'training points':>24} | {'random points':>24}")
    print(f"{'':>7} | {'mean':>7} {'median':>7} {'max':>8} | {'mean':>7} {'median':>7} {'max':>8}")
    for r in RADII:
        a, b = region_counts(net, train_pts, r), region_counts(net, random_pts, r)
        print(
            f"{r:>7.2f} | {a.mean():>7.2f} {np.median(a):>7.1f} {a.max():>8d} | "
            f"{b.mean():>7.2f} {np.median(b):>7.1f} {b.max():>8d}"
        )
    print(
        f"\nmean margin (distance to the region's nearest bounding hyperplane): training "
        f"points {margins(net, train_pts).mean():.4f}, random points "
        f"{margins(net, random_pts).mean():.4f}"
    )
    print(f"total time {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
