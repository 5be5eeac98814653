"""A segment of a fleet (``fleet run --segment K/N``): the K-th of N disjoint slices of the
fleet's station indices, so N processes on N machines run exactly the one-machine fleet.

Segments and worker shards slice the same way (``strided_share``): index ``j`` of the slice goes
to part ``j % parts``. Strided rather than in blocks, so every part ramps up at once, and station
``i`` still starts ``i / ramp`` seconds after the start with the same id and seeded streams.
"""

from __future__ import annotations

from dataclasses import dataclass


def strided_share(indices: range, part: int, parts: int) -> range:
    """Part ``part`` (0-based) of ``parts`` of ``indices``: every ``parts``-th index from the
    ``part``-th on. The parts are disjoint and together are ``indices``."""
    return indices[part::parts]


@dataclass(frozen=True, slots=True)
class Segment:
    index: int  # 1-based: 1..of
    of: int

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.of:
            raise ValueError(f"segment {self.index}/{self.of}: K must be between 1 and N ({self.of})")

    @classmethod
    def parse(cls, text: str) -> Segment:
        """ "K/N", e.g. "2/8"; ValueError (one line, naming the text) otherwise."""
        index, slash, of = text.strip().partition("/")
        if not (slash and index.isdigit() and of.isdigit()):
            raise ValueError(f"{text!r}: use K/N, e.g. 2/8 (the 2nd of 8 segments)")
        if int(of) < 1 or not 1 <= int(index) <= int(of):
            raise ValueError(f"{text!r}: K must be between 1 and N, e.g. 1/{max(int(of), 1)}")
        return cls(int(index), int(of))

    def indices(self, stations: int) -> range:
        """This segment's station indices of a fleet of ``stations``."""
        return strided_share(range(stations), self.index - 1, self.of)

    def to_dict(self) -> dict[str, int]:
        return {"index": self.index, "of": self.of}
