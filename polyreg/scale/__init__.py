"""Long runs: several processes, domain slabs, a shared frontier, dask clusters, streaming
counts and resumable SQLite stores. Everything here drives the engines' public stepping API
(:mod:`polyreg.engines.traverse`, :mod:`polyreg.engines.branch`); the engines know nothing of it."""
