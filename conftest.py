"""pytest, for the whole checkout: the deprecated module paths (``polyreg/_moved.py``) are shims
that hand over the moved module, not modules to collect doctests from."""

from polyreg._moved import MOVED

collect_ignore = [f"polyreg/{old.split('.', 1)[1]}.py" for old in MOVED]
