"""Near-duplicate stories (the agency copy and the newsroom's rewrite) found by MinHash LSH.

Each story's text is cut into overlapping word shingles and summarised as a MinHash
signature (datasketch); locality-sensitive hashing finds earlier stories whose
estimated Jaccard similarity passes THRESHOLD without comparing every pair.
"""

from __future__ import annotations

import re

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE_WORDS = 3
THRESHOLD = 0.4
SCHEME = "affine32"  # stored signatures are only comparable within one scheme
_WORDS = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    words = _WORDS.findall(text.casefold())
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


# Building the permutations costs more than hashing a story; make them once.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


def signature(text: str) -> bytes:
    """A story's MinHash signature, as bytes for storing beside it."""
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=_PERMUTATIONS)
    minhash.update_batch(list(shingles(text)))
    return bytes(minhash.hashvalues.astype(np.uint64).tobytes())


def _minhash(sig: bytes) -> MinHash:
    values = np.frombuffer(sig, dtype=np.uint64)
    return MinHash(num_perm=NUM_PERM, hashvalues=values, scheme=SCHEME, permutations=_PERMUTATIONS)


class ClusterIndex:
    """Stories seen so far, each with its cluster: `match` finds a new story's cluster."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._clusters: dict[int, int] = {}
        self._signatures: dict[int, MinHash] = {}
        self.threshold = threshold

    def add(self, story_id: int, sig: bytes, cluster_id: int) -> None:
        if story_id in self._clusters:
            return
        minhash = _minhash(sig)
        self._lsh.insert(story_id, minhash)
        self._clusters[story_id] = cluster_id
        self._signatures[story_id] = minhash

    def match(self, sig: bytes) -> int | None:
        """The cluster of the most similar earlier story above the threshold, if any."""
        minhash = _minhash(sig)
        best: tuple[float, int] | None = None
        for candidate in self._lsh.query(minhash):
            score = minhash.jaccard(self._signatures[candidate])
            if score >= self.threshold and (best is None or score > best[0]):
                best = (score, self._clusters[candidate])
        return best[1] if best else None
