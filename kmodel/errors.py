"""The exception hierarchy.

Every error kmodel raises on purpose derives from :class:`KmodelError` and says what is wrong,
with which value and where it came from, and what to do about it. A property violation is never
an exception: it is a result (see :mod:`kmodel.check`).
"""

from __future__ import annotations

__all__ = [
    "KmodelError",
    "InvalidArgument",
    "InvalidModel",
    "InvalidManifest",
    "EncodingUnsupported",
]


class KmodelError(Exception):
    """Root of every error kmodel raises on purpose."""


class InvalidArgument(KmodelError, ValueError):
    """A function or command was called with a value it does not accept."""


class InvalidModel(KmodelError):
    """A model is malformed: a transition is not pure, a state is not hashable, ..."""


class EncodingUnsupported(KmodelError):
    """The symbolic (Z3) engine has no encoding for part of a model; the message names it."""


class InvalidManifest(KmodelError):
    """A manifest or scenario file cannot be understood.

    Parameters
    ----------
    message : str
        What is wrong, in plain words.
    file : str
        The file as the user named it (``"-"`` for standard input).
    line : int or None
        1-based line of the offending field (or of the document when no field applies).
    document : int or None
        1-based index of the YAML document within the file.
    field : str or None
        Dotted path of the offending field, e.g. ``spec.template.spec.containers[0].resources``.

    Examples
    --------
    >>> err = InvalidManifest("invalid quantity '2x'", file="web.yaml", line=12, document=1,
    ...                       field="spec.containers[0].resources.requests.cpu")
    >>> str(err)
    "web.yaml:12: document 1: spec.containers[0].resources.requests.cpu: invalid quantity '2x'"
    """

    def __init__(
        self,
        message: str,
        *,
        file: str,
        line: int | None = None,
        document: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.document = document
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.document is not None:
            parts.append(f"document {self.document}")
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)
