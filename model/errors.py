"""One exception hierarchy for the spam model; every message says what to do next."""

from __future__ import annotations

from pathlib import Path


class ModelError(Exception):
    """Base class of every error raised by :mod:`model`."""


class DataError(ModelError):
    """A training or evaluation data file cannot be used.

    ``path`` names the file, ``row`` the 1-based data row when one row is at fault.
    """

    def __init__(self, message: str, *, path: Path | str | None = None, row: int | None = None):
        super().__init__(message)
        self.path = None if path is None else Path(path)
        self.row = row


class ArtifactError(ModelError):
    """A model artifact is missing, incomplete, tampered with or not a Hedgerow model."""

    def __init__(self, message: str, *, path: Path | str | None = None):
        super().__init__(message)
        self.path = None if path is None else Path(path)


class RegistryError(ModelError):
    """A model registry operation cannot be done (unknown version, nothing to roll back to)."""
