"""The bridge to ABlog: the only code that touches ABlog's internals."""
