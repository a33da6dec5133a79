"""Long runs: several processes, domain slabs, a shared frontier, dask clusters, streaming
counts and resumable SQLite stores. Everything here drives the engines' public stepping API
(:mod:`polyreg.engines.traverse_engine`, :mod:`polyreg.engines.branch_engine`); the engines know
nothing of it."""
