"""The compact audio index (one sorted uint64 array) ranks exactly as the plain inverted index it replaced:
votes on (media, time offset), best offset per media, ties by larger sha256, across merges."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest

from sandbox.provenance.audio_fingerprint import TIME_BITS, TIME_MASK, AudioIndex


def reference_rank(postings: dict, hashes: list[int], top: int) -> list[tuple[int, str]]:
    votes: Counter = Counter()
    for h in hashes:
        for sha, t0 in postings.get(h >> TIME_BITS, ()):
            votes[(sha, t0 - (h & TIME_MASK))] += 1
    best: dict[str, int] = {}
    for (sha, _), n in votes.items():
        best[sha] = max(best.get(sha, 0), n)
    return sorted(((n, sha) for sha, n in best.items()), reverse=True)[:top]


def test_compact_index_ranks_like_the_plain_inverted_index():
    rng = np.random.default_rng(3)
    sounds = [[int(lm) << TIME_BITS | int(t) for lm, t in zip(rng.integers(0, 40, 60), rng.integers(0, 300, 60),
                                                               strict=True)] for _ in range(12)]
    index, postings = AudioIndex(), defaultdict(list)
    for i in range(300):
        sha, shift = f"{i:064x}", int(rng.integers(0, 3000))
        hashes = [h + shift for h in sounds[i % len(sounds)]]
        index.add(sha, hashes)
        for h in hashes:
            postings[h >> TIME_BITS].append((sha, h & TIME_MASK))
        if i in (20, 150, 299):  # lookups between additions merge what was added
            for k in range(0, len(sounds), 3):
                query = sounds[k][5:40]
                expected = reference_rank(postings, query, 20)
                for top in (1, 3, 20):
                    assert index.rank(query, top) == expected[:top]
    assert len(index) == 300 * 60 and index.nbytes == 8 * 300 * 60
    assert index.rank([99 << TIME_BITS]) == [] and index.rank([]) == []


def test_a_hash_that_is_not_a_landmark_is_refused():
    with pytest.raises(ValueError, match="hashes"):
        AudioIndex().add("a", [1 << 40])
