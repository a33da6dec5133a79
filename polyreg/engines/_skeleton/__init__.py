"""The stages of the ``skeleton`` engine (:func:`polyreg.engines.skeleton.skeleton`, which
assembles them and falls back to ``traverse``):

* :mod:`.complex`: the 1-skeleton, cut by one neuron after another (vertex enumeration);
* :mod:`.cells`: the cells and their facets, read from the vertices' sign vectors;
* :mod:`.certify`: canonical patterns, certified interior points, output maps;
* :mod:`.adjacency`: the edges between regions, exact around degenerate spots;
* :mod:`.far`: the first stage alone, read for points where ``d`` hyperplanes meet (the proof
  that :mod:`polyreg.engines.homog`'s cube sides hold no new region).
"""
