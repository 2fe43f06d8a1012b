"""The data pickle of a one-posting block, as ``pickle.dumps(data, 2)`` makes it.

Whoosh's W3 codec stores each block of a term's postings as the protocol-2
pickle of ``(docnum deltas, weights, values)``. Protocol 2 has no opcode for
bytes: the C pickler writes a bytes value as a call to
``_codecs.encode(text, "latin1")``, looking the function up by module and
name for the first one in each pickle, about 5 µs a pickle, more than the
rest of the block. Most terms of a segment are in one document only, so
:func:`block_data` writes the pickle of a one-posting block itself (its
opcodes and memo indices are fixed: one docnum, weights None or one float,
values None, empty, one bytes value or a tuple of one) and hands every
other block to ``pickle.dumps``. tests/test_blockpickle.py compares the two,
and tests/test_leanwriter.py whole segments against Whoosh's writer.

>>> import pickle
>>> all(block_data(data) == pickle.dumps(data, 2)
...     for data in [((7,), None, (b"\\x01\\xff",)), ((300,), 2.5, None), ((70000,), None, b"\\x00\\x01"),
...                  ((1, 2), None, (b"a", b"b"))])
True
"""

from __future__ import annotations

import pickle
from struct import Struct

_H = Struct("<H").pack
_I = Struct("<I").pack
_i = Struct("<i").pack
_D = Struct(">d").pack
# After the (docnum,) tuple (memo 0) and the weights: _codecs.encode (memo 1),
# the value's text (memo 2), "latin1" (memo 3), the arguments (memo 4), the
# bytes value (memo 5); then the values' tuple of one (memo 6) if any, and
# the block's tuple.
_ENCODE = b"c_codecs\nencode\nq\x01X"
_IN_TUPLE = b"q\x02X\x06\x00\x00\x00latin1q\x03\x86q\x04Rq\x05\x85q\x06\x87q\x07."
_ALONE = b"q\x02X\x06\x00\x00\x00latin1q\x03\x86q\x04Rq\x05\x87q\x06."


def block_data(data: tuple) -> bytes:
    """``pickle.dumps(data, 2)`` for a posting block's ``(deltas, weights, values)``."""
    deltas, weights, values = data
    if len(deltas) != 1:
        return pickle.dumps(data, 2)
    docnum = deltas[0]
    if docnum.__class__ is not int:
        return pickle.dumps(data, 2)
    if 0 <= docnum < 256:
        head = b"\x80\x02K" + bytes((docnum,))
    elif 0 <= docnum < 65536:
        head = b"\x80\x02M" + _H(docnum)
    elif 0 <= docnum < 0x80000000:
        head = b"\x80\x02J" + _i(docnum)
    else:
        return pickle.dumps(data, 2)
    if weights is None:
        head += b"\x85q\x00N"
    elif weights.__class__ is float:
        head += b"\x85q\x00G" + _D(weights)
    else:
        return pickle.dumps(data, 2)
    kind = values.__class__
    if values is None:
        return head + b"N\x87q\x01."
    if kind is tuple:
        if not values:
            return head + b")\x87q\x01."
        if len(values) == 1 and values[0].__class__ is bytes and values[0]:
            text = values[0].decode("latin-1").encode("utf-8")
            return head + _ENCODE + _I(len(text)) + text + _IN_TUPLE
    elif kind is bytes and values:
        text = values.decode("latin-1").encode("utf-8")
        return head + _ENCODE + _I(len(text)) + text + _ALONE
    return pickle.dumps(data, 2)
