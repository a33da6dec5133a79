"""Count nnenum's leaf stars for a network and a box (run with nnenum's own Python).

nnenum (GPL) is never imported by polyreg: ``benchmarks/highd.py`` runs this script as a
subprocess of the interpreter of a side environment where nnenum is installed, e.g.::

    /path/to/nnenum-venv/bin/python benchmarks/nnenum_count.py net.npz lo.npy hi.npy 2

It prints one JSON line: ``{"stars": ..., "seconds": ..., "cpu": ...}`` (in-process wall
seconds of ``enumerate_network``, and the CPU seconds of this process and its worker
processes meanwhile; exact branch mode, no specification, so every star is enumerated).
"""

import json
import sys
import time

import numpy as np


def main() -> None:
    path, lo_path, hi_path, procs = sys.argv[1:5]
    from nnenum.enumerate import enumerate_network
    from nnenum.network import FullyConnectedLayer, NeuralNetwork, ReluLayer
    from nnenum.settings import Settings

    with np.load(path) as data:
        n = sum(1 for k in data.files if k.startswith("W"))
        layers_wb = [(data[f"W{k}"], data[f"b{k}"]) for k in range(n)]
    lo, hi = np.load(lo_path), np.load(hi_path)
    layers = []
    for i, (W, b) in enumerate(layers_wb):
        layers.append(FullyConnectedLayer(len(layers), np.asarray(W, float), np.asarray(b, float)))
        if i < n - 1:  # ReLU after every hidden layer; the output layer stays linear
            layers.append(ReluLayer(len(layers), layers[-1].get_output_shape()))
    network = NeuralNetwork(layers)
    Settings.NUM_PROCESSES = int(procs)
    Settings.TIMEOUT = np.inf
    Settings.BRANCH_MODE = Settings.BRANCH_EXACT
    Settings.TRY_QUICK_OVERAPPROX = False
    Settings.PRINT_OUTPUT = False
    Settings.PRINT_PROGRESS = False
    Settings.TIMING_STATS = False
    Settings.RESULT_SAVE_STARS = False
    Settings.UNDERFLOW_BEHAVIOR = "warn"
    Settings.CHECK_SINGLE_THREAD_BLAS = False
    init_box = np.array([lo, hi], dtype=float).T
    import resource

    def cpu() -> float:
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + ru.ru_utime + ru.ru_stime

    c0, t0 = cpu(), time.perf_counter()
    result = enumerate_network(init_box, network)
    seconds = time.perf_counter() - t0
    print(json.dumps({"stars": int(result.total_stars), "seconds": seconds,
                      "cpu": cpu() - c0}))


if __name__ == "__main__":
    main()
