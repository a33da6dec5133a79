"""Train the [64, 32, 32, 10] MLP on scikit-learn's 8x8 digits that ``highd.py`` uses.

Needs scikit-learn (its ``load_digits`` ships the data inside the package: no download) and
torch; ``highd.py`` itself only reads the saved files, so neither is needed to benchmark::

    python benchmarks/train_digits.py      # writes benchmarks/data/digits_mlp.npz and
                                           # benchmarks/data/digits_test_points.npy

Pixels are scaled to [0, 1] (divided by 16); 80/20 split with seed 0; Adam, 200 epochs full
batch; the test accuracy is printed. The test points file holds the first 16 test images.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))


def main() -> None:
    import torch
    from sklearn.datasets import load_digits

    import polyreg

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(X))
    cut = int(0.8 * len(X))
    tr, te = perm[:cut], perm[cut:]
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32),
                                torch.nn.ReLU(), torch.nn.Linear(32, 10)).double()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    Xt, yt = torch.tensor(X[tr]), torch.tensor(y[tr])
    for _ in range(200):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(Xt), yt)
        loss.backward()
        opt.step()
    with torch.no_grad():
        acc = (model(torch.tensor(X[te])).argmax(1).numpy() == y[te]).mean()
    print(f"test accuracy {acc:.3f}")
    layers = [(m.weight.detach().numpy(), m.bias.detach().numpy())
              for m in model if isinstance(m, torch.nn.Linear)]
    net = polyreg.Network.from_layers(layers)
    out = ROOT / "data"
    out.mkdir(exist_ok=True)
    net.save(out / "digits_mlp.npz")
    np.save(out / "digits_test_points.npy", X[te[:16]])
    print(f"wrote {out / 'digits_mlp.npz'} and {out / 'digits_test_points.npy'}")


if __name__ == "__main__":
    main()
