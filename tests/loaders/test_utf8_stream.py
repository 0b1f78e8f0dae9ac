"""readers.Utf8Stream: valid UTF-8 passes through untouched, anything else reads as the
incremental decoder gives it, whatever the chunk and read sizes."""

from __future__ import annotations

import codecs

from hypothesis import given, settings
from hypothesis import strategies as st

from creditgraph.loaders import readers

_PIECES = st.sampled_from([b"a", b",", b"\n", "中".encode(), "𠀀".encode(), "é".encode(),
                           "\ufffd".encode(), b"\xe4", b"\x80", b"\xff", b"\xc3", b"\xf0\x9f"])


def _read_all(stream: readers.Utf8Stream, size: int) -> bytes:
    out = bytearray()
    buf = bytearray(size)
    while n := stream.readinto(buf):
        out += buf[:n]
    return bytes(out)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=120), bom=st.booleans(),
       chunk=st.integers(1, 40), size=st.integers(1, 50),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_reads_as_the_decoder_does(tmp_path_factory, pieces, bom, chunk, size, encoding):
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(pieces)
    path = tmp_path_factory.mktemp("utf8") / "in.csv"
    path.write_bytes(data)
    stream = readers.Utf8Stream(path, encoding, chunk=chunk)
    expected = codecs.decode(data, encoding, errors="replace")
    assert _read_all(stream, size) == expected.encode("utf-8")
    assert stream.replaced == ("\ufffd" in expected)


def test_a_character_cut_at_the_chunk_end_waits_for_the_next_chunk():
    text = "中文𠀀é,\n"
    data = text.encode()
    cuts = []
    for n in range(len(data) + 1):
        cut = readers._complete_utf8(data[:n])
        data[:cut].decode("utf-8")  # whole characters only: raises otherwise
        assert n - 3 <= cut <= n
        cuts.append(cut)
    # 中 and 文 are 3 bytes, 𠀀 4, é 2: a cut inside one ends before it
    assert cuts[:8] == [0, 0, 0, 3, 3, 3, 6, 6]
