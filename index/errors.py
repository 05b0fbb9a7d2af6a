"""Errors the CLI and the page turn into a clear message (never a traceback)."""


class IndexError_(Exception):
    """Base class: something is wrong with an index folder or a request on it."""


class IndexMissing(IndexError_):
    """No index at the given folder."""


class IndexMismatch(IndexError_):
    """The index was built with another model, dimension or chunker version."""


class IndexLocked(IndexError_):
    """Another process is writing to the index."""


class BadQuery(IndexError_):
    """The query cannot be searched (empty, only punctuation, ...)."""


class NotFound(IndexError_):
    """A document id or finding label that the index does not hold."""


class ModelUnavailable(IndexError_):
    """The embedding model cannot be loaded (not installed, wrong path, no network)."""
