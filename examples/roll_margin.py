"""A margin-enlarging regulariser (the ROLL idea) seen through exact region counts.

Trains the MLP of ``seeds_experiment.py`` on the same two-moons data, once plainly and with a
ROLL-style penalty of growing strength: for every training point and hidden neuron,
``relu(gamma - |z_k(x)| / ||grad_x z_k(x)||)``, i.e. neurons whose hyperplane passes close to
a training point are pushed away. For each model it imports the network with
:func:`polyreg.io.from_torch` and prints

* the margin of the training points, ``min_k |z_k(x)| / ||g_k||_2`` over the hidden neurons,
  from the local maps of the point's region (``net.local_maps(net.pattern(x))``): the distance
  to the nearest hyperplane bounding its activation region;
* the exact number of activation regions in L2 balls around training points (and, for
  comparison, around random points).

Margins grow and the counts around training points fall as the penalty grows.

Run from the repository root (needs ``pip install 'polyreg[torch]'``)::

    python examples/roll_margin.py [--seed 0] [--points 25]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from seeds_experiment import accuracy, make_moons, margins, region_counts, train

import polyreg.io

STRENGTHS = (0.0, 0.1, 1.0)
GAMMA = 0.3
RADIUS = 0.1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--points", type=int, default=25, help="balls of each kind")
    args = parser.parse_args()
    torch.set_num_threads(1)  # tiny tensors: threads only add contention
    rng = np.random.default_rng(args.seed)
    x, y = make_moons(300, 0.1, rng)
    train_idx = rng.choice(len(x), args.points, replace=False)
    lo, hi = x.min(axis=0), x.max(axis=0)
    random_pts = rng.uniform(lo, hi, size=(args.points, 2))
    start = time.perf_counter()
    print(
        f"ROLL penalty relu({GAMMA} - |z|/||grad z||), region counts in L2 balls of radius "
        f"{RADIUS}, {args.points} centres of each kind\n"
    )
    print(
        f"{'strength':>8} | {'accuracy':>8} | {'margin at training pts':>22} | "
        f"{'regions near training':>21} | {'regions near random':>19}"
    )
    print(
        f"{'':>8} | {'':>8} | {'mean':>10} {'median':>11} | {'mean':>10} {'median':>10} | "
        f"{'mean':>9} {'median':>9}"
    )
    for strength in STRENGTHS:
        model = train(x, y, args.seed, roll=strength, gamma=GAMMA)
        net = polyreg.io.from_torch(model, (2,))
        m = margins(net, x)  # every training point
        near_train = region_counts(net, x[train_idx], RADIUS)
        near_random = region_counts(net, random_pts, RADIUS)
        print(
            f"{strength:>8.1f} | {accuracy(net, x, y):>8.3f} | {m.mean():>10.4f} "
            f"{np.median(m):>11.4f} | {near_train.mean():>10.2f} {np.median(near_train):>10.1f} | "
            f"{near_random.mean():>9.2f} {np.median(near_random):>9.1f}"
        )
    print(f"\ntotal time {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
