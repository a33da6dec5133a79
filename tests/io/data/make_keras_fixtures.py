"""Regenerate the Keras fixtures of tests/io (needs keras 3 and a backend; not run by the tests).

    python -m venv --system-site-packages /tmp/kerasenv && /tmp/kerasenv/bin/pip install keras
    KERAS_BACKEND=torch /tmp/kerasenv/bin/python tests/io/data/make_keras_fixtures.py

Each model is built in float64 (and computed in float64, see :func:`keep_float64`) with random
weights (BatchNormalization statistics too), saved as ``NAME.keras`` (and ``NAME.h5`` for the
legacy format), and its outputs on 1,000 random inputs are stored in ``NAME.expected.npz``
(``x`` float32 values, ``y`` float64), so the tests compare the import against Keras itself
without Keras installed. Keras is imported only inside :func:`main` (pytest imports this file
when it collects doctests).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent


def keep_float64() -> None:
    """Keras 3 promotes float64 to float32 on every backend but TensorFlow (JAX's x64-off
    rule), so a float64 model would still multiply in float32; keep float64 so that the stored
    outputs are float64 computations (only the promotion table changes, no layer's meaning)."""
    from keras.src.backend.common import dtypes

    dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"


def randomise(keras: Any, model: Any, rng: np.random.Generator) -> None:
    for layer in model.layers:
        ws = layer.get_weights()
        if isinstance(layer, keras.layers.BatchNormalization):
            g, b, m, v = ws
            layer.set_weights(
                [
                    rng.uniform(0.5, 2, g.shape),
                    rng.normal(size=b.shape),
                    rng.normal(size=m.shape),
                    rng.uniform(0.5, 2, v.shape),
                ]
            )
        elif ws:
            layer.set_weights([rng.normal(size=w.shape) * 0.5 for w in ws])


def save(keras: Any, name: str, model: Any, legacy: bool = False, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    randomise(keras, model, rng)
    model.save(HERE / f"{name}.keras")
    if legacy:
        model.save(HERE / f"{name}.h5")
    shape = model.inputs[0].shape[1:]
    x = rng.normal(size=(1000, *shape)).astype(np.float32)
    y = np.asarray(model.predict(x.astype(np.float64), verbose=0), dtype=np.float64)
    np.savez_compressed(HERE / f"{name}.expected.npz", x=x, y=y.reshape(1000, -1))


def main() -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    keep_float64()
    keras.config.set_floatx("float64")
    keras.utils.set_random_seed(0)
    L = keras.layers
    save(
        keras,
        "keras_mlp",
        keras.Sequential(
            [
                keras.Input((3,)),
                L.Dense(8, activation="relu", name="hidden_a"),
                L.Dense(6, name="hidden_b"),
                L.ReLU(),
                L.Dropout(0.3),
                L.Dense(2, name="out"),
            ]
        ),
        legacy=True,
    )
    save(
        keras,
        "keras_cnn",
        keras.Sequential(
            [
                keras.Input((6, 5, 2)),
                L.Conv2D(4, (3, 2), strides=2, padding="same", activation="relu", name="c1"),
                L.BatchNormalization(name="bn"),
                L.AveragePooling2D(2, padding="same"),
                L.Conv2D(4, 1, groups=2, name="c2"),
                L.ReLU(),
                L.Flatten(),
                L.Dense(5, activation="relu"),
                L.Dense(1),
            ]
        ),
        legacy=True,
        seed=1,
    )
    save(
        keras,
        "keras_conv1d_leaky",
        keras.Sequential(
            [
                keras.Input((7, 3)),
                L.Conv1D(4, 3, dilation_rate=2, padding="same", name="c"),
                L.LeakyReLU(0.1),
                L.GlobalAveragePooling1D(),
                L.Dense(3),
                L.LeakyReLU(0.1),
                L.Dense(2),
            ]
        ),
        seed=2,
    )
    inp = keras.Input((4,))
    h = L.Dense(5, activation="relu")(inp)
    out = L.Dense(2)(L.Dense(5, activation="relu")(h))
    save(keras, "keras_functional", keras.Model(inp, out), seed=3)
    inp = keras.Input((4,))
    h = L.Dense(4, activation="relu")(inp)
    out = L.Add()([h, L.Dense(4)(h)])
    keras.Model(inp, out).save(HERE / "keras_residual.keras")
    keras.Sequential(
        [keras.Input((4, 4, 1)), L.Conv2D(2, 2), L.MaxPooling2D(), L.Flatten(), L.Dense(1)]
    ).save(HERE / "keras_maxpool.keras")
    keras.Sequential([keras.Input((3,)), L.Dense(4, activation="sigmoid"), L.Dense(1)]).save(
        HERE / "keras_sigmoid.h5"
    )


if __name__ == "__main__":
    main()
