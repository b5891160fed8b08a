"""Loading a model version for a worker: from the package, the data directory or Redis.

Workers load the numbers the scorer needs from ``scorer.npz`` and never import
scikit-learn, SciPy or skops (see :mod:`model.numbers`); a version without that file is
loaded through its pipeline. The shipped ``default`` is trusted for where it lives. Any
other version must be signed with a key derived from ``HEDGEROW_SECRET_KEY``, whether it
is found in the data directory or fetched from Redis (see
:mod:`service.models.publication`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from service.spam.decision import SpamModel
from service.store.redis_store import Store


class ModelLoader:
    """Loads verified versions for a :class:`~service.models.holder.ModelHolder`."""

    def __init__(self, store: Store, root: Path, signing_keys: Sequence[bytes]) -> None:
        self.store = store
        self.root = root
        self.signing_keys = list(signing_keys)

    def __call__(self, version: str) -> SpamModel:
        """Load ``version``; raises ``ModelError`` when it is unknown or not trusted."""
        # Imported here: loading the model is the only reason a worker reads these.
        from model.artifact import MANIFEST_FILE, artifact_from_bytes
        from model.errors import RegistryError
        from model.registry import Registry
        from model.scorer import Scorer
        from model.versions import DEFAULT_VERSION, check_version_name
        from service.models import publication

        check_version_name(version, allow_default=True)
        registry = Registry(self.root, signing_keys=self.signing_keys)
        if version == DEFAULT_VERSION or (self.root / version / MANIFEST_FILE).is_file():
            return Scorer(registry.load(version, pipeline=False))
        # Promoted on another machine: take the files from Redis.
        fetched = publication.fetch(self.store, version, self.root, self.signing_keys)
        if fetched is None:
            raise RegistryError(f"no model version {version!r} in {self.root} or in Redis")
        return Scorer(artifact_from_bytes(fetched.manifest, fetched.payload, fetched.directory,
                                          scorer=fetched.scorer, signing_keys=self.signing_keys,
                                          version=version, pipeline=False))
