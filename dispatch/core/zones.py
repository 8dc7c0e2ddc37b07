"""Which risk, slow or closed zones contain a point (the zones valid on the planned day)."""

from __future__ import annotations

from collections.abc import Sequence

from shapely import STRtree
from shapely.geometry import Point

from dispatch.core.domain import Zone


class ZoneIndex:
    """Which zones contain a point (the zones valid on the planned day)."""

    def __init__(self, zones: Sequence[Zone]) -> None:
        self.zones = list(zones)
        self.tree = STRtree([z.geometry for z in self.zones]) if self.zones else None

    def at(self, lon: float, lat: float) -> list[Zone]:
        if self.tree is None:
            return []
        point = Point(lon, lat)
        return [self.zones[i] for i in self.tree.query(point, predicate="intersects")]
