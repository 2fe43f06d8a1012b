"""index.whoosh.blockpickle writes what pickle.dumps(data, 2) writes, for
the blocks the lean writer makes and for others (handed to pickle)."""

from __future__ import annotations

import pickle
import random

from foiasearch.index.whoosh.blockpickle import block_data


def _blocks(seed: int, count: int):
    rng = random.Random(seed)

    def value() -> bytes:
        return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 1, 2, 3, 40])))

    docnums = [0, 1, 200, 255, 256, 300, 65535, 65536, 70000, 2**31 - 1, 2**31, 2**40]
    for _ in range(count):
        size = rng.choice([1, 1, 1, 2, 3, 130])
        values = [value() for _ in range(size)]
        yield (tuple(rng.choice(docnums) for _ in range(size)),
               rng.choice([None, 1.0, 2.5, -0.0, tuple(rng.random() for _ in range(size))]),
               rng.choice([None, (), tuple(values), b"".join(values), tuple(values[:1]) * size]))


def test_same_bytes_as_pickle():
    blocks = list(_blocks(18, 5000))
    assert sum(len(block[0]) == 1 for block in blocks) > 2000
    for block in blocks:
        assert block_data(block) == pickle.dumps(block, 2), block


def test_one_character_values_and_odd_types():
    for block in [((5,), None, (b"\xff",)), ((5,), None, b"\x80"), ((5,), None, b""), ((5,), None, (b"",)),
                  ((5,), 1, None), ((True,), None, None), ((-1,), None, None), ((5,), (1.0,), None)]:
        assert block_data(block) == pickle.dumps(block, 2), block
