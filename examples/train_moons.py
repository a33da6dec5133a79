"""Train a small ReLU MLP on two moons in NumPy (a few seconds), for ``polyreg around`` and plots.

Writes, into ``--outdir`` (default ``moons/``):

* ``moons.npz`` -- the trained 2-16-16-2 network (arrays ``W0, b0, W1, b1, W2, b2``, the format
  :meth:`polyreg.Network.load` reads);
* ``X.npy`` -- ``--points`` training points followed by as many uniformly random points of the
  data's bounding box, shape ``(2 * points, 2)``;
* ``groups.npy`` -- one label per point: ``"train"`` or ``"random"``;
* ``y.npy`` -- the class of each training point (0 / 1), and ``-1`` for the random points;
* ``train_X.npy``, ``train_y.npy`` -- the whole training set (for ``polyreg plot --points``).

No framework is needed: full-batch Adam on the cross-entropy, hand-written backpropagation.
Run from the repository root::

    python examples/train_moons.py [--seed 0] [--points 30] [--outdir moons]
    polyreg around moons/moons.npz --points moons/X.npy --labels moons/groups.npy \\
        --radius 0.05,0.1,0.2 --certify none --out moons/around.csv
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import polyreg


def make_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (``n`` points, labels 0 / 1), standardised."""
    t = rng.uniform(0, np.pi, n)
    label = rng.integers(0, 2, n)
    x = np.where(
        label[:, None] == 0,
        np.column_stack([np.cos(t), np.sin(t)]),
        np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]),
    )
    x = x + rng.normal(scale=noise, size=x.shape)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return x, label


def train(x: np.ndarray, y: np.ndarray, widths: tuple[int, ...], steps: int, seed: int,
          lr: float = 0.01) -> polyreg.Network:
    """A ReLU MLP with ``widths`` trained by full-batch Adam on the softmax cross-entropy."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        params += [rng.normal(scale=np.sqrt(2.0 / n_in), size=(n_out, n_in)), np.zeros(n_out)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    onehot = np.eye(widths[-1])[y]
    for step in range(1, steps + 1):
        acts = [x]
        for k in range(0, len(params), 2):
            z = acts[-1] @ params[k].T + params[k + 1]
            acts.append(np.maximum(z, 0.0) if k + 2 < len(params) else z)
        logits = acts[-1] - acts[-1].max(axis=1, keepdims=True)
        prob = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        delta = (prob - onehot) / x.shape[0]
        grads: list[np.ndarray] = [np.empty(0)] * len(params)
        for k in range(len(params) - 2, -1, -2):
            grads[k] = delta.T @ acts[k // 2]
            grads[k + 1] = delta.sum(axis=0)
            if k:
                delta = (delta @ params[k]) * (acts[k // 2] > 0)
        for i, g in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            params[i] -= lr * (m[i] / (1 - 0.9**step)) / (np.sqrt(v[i] / (1 - 0.999**step)) + 1e-8)
    return polyreg.Network.from_layers(
        [(params[k], params[k + 1]) for k in range(0, len(params), 2)]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--points", type=int, default=30, help="training and random points")
    parser.add_argument("--steps", type=int, default=3000, help="Adam steps (full batch)")
    parser.add_argument("--outdir", default="moons")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    x, y = make_moons(400, 0.1, rng)
    t0 = time.perf_counter()
    net = train(x, y, (2, 16, 16, 2), args.steps, args.seed)
    acc = float(np.mean(np.argmax(net.forward(x), axis=1) == y))
    print(f"trained 2-16-16-2 in {time.perf_counter() - t0:.1f} s, training accuracy {acc:.3f}")
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    net.save(out / "moons.npz")
    k = args.points
    lo, hi = x.min(axis=0), x.max(axis=0)
    pts = np.vstack([x[:k], rng.uniform(lo, hi, size=(k, 2))])
    np.save(out / "X.npy", pts)
    np.save(out / "groups.npy", np.array(["train"] * k + ["random"] * k))
    np.save(out / "y.npy", np.concatenate([y[:k], -np.ones(k, dtype=y.dtype)]))
    np.save(out / "train_X.npy", x)
    np.save(out / "train_y.npy", y)
    print(f"wrote {out / 'moons.npz'}, {out / 'X.npy'} ({2 * k} points), {out / 'groups.npy'}, "
          f"{out / 'y.npy'}, {out / 'train_X.npy'}, {out / 'train_y.npy'}")


if __name__ == "__main__":
    main()
