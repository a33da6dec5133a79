"""Imported first by benchmarks that compare engines: one BLAS thread per process.

polyreg and nnenum alike run with single-threaded BLAS (nnenum asks for it; on a shared
machine multithreaded BLAS burns CPU spinning on tiny products: homog's and skeleton's seconds
doubled here with it). A variable already set in the environment is kept.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
