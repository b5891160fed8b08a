"""What may name a model version, or a file inside a model's folder.

Names reach the registry from places an attacker may write to (the active pointer and the
published copies in Redis, a manifest) as well as from the command line; each is checked
here, by the same rule, before it is used in a path. Kept free of heavy imports, so the
service can check a name without loading scikit-learn.
"""

from __future__ import annotations

import re

from model.errors import ArtifactError, RegistryError

# The shipped model's version. It is trusted for where it lives (inside the package), so
# no other source may offer a model under this name.
DEFAULT_VERSION = "default"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_version_name(name: object, *, allow_default: bool = False) -> str:
    """Return ``name`` if it can name a model version, else raise :class:`RegistryError`.

    1–100 letters, digits, ``.``, ``_`` or ``-``, starting with a letter or digit: never
    ``..``, a ``/`` or an absolute path. ``default`` is refused unless ``allow_default``
    (it may name the active model, never a trained, published or fetched one).
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise RegistryError(f"{shown(name)} is not a usable version name (1-100 letters, "
                            "digits, '.', '_' or '-', starting with a letter or digit)")
    if name == DEFAULT_VERSION and not allow_default:
        raise RegistryError("'default' names the model shipped in the package; no other "
                            "model may use that name, and it cannot be deleted")
    return name


def check_file_name(name: object) -> str:
    """Return ``name`` if it is a bare file name inside an artifact folder, else raise."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise ArtifactError(f"{shown(name)} is not a file name inside the artifact folder")
    return name


def shown(value: object) -> str:
    """``repr(value)``, cut short, for messages about untrusted input."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
