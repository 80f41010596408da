"""The in-memory walking network the city build assembles (nodes, ways) and how loose ends are joined to it:
an end is tied to the nearest point of another way within a few metres, splitting that way with a new node there,
so that Valhalla (which only joins ways at shared nodes) sees one network. Distances are in metres, in UTM 18N."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import shapely
from pyproj import Transformer

TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:32618", always_xy=True)  # UTM 18N covers Philadelphia
MERGE_M = 4.0  # closer than this, an end becomes the way's node itself (no connector way)


@dataclass(slots=True)
class Way:
    id: int
    refs: list[int]
    tags: dict[str, str]
    timestamp: datetime


@dataclass
class Network:
    """Nodes by id (lon, lat), their tags and dates, and the ways. New nodes are keyed by their rounded position
    so that coincident ends of City segments become one node."""

    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)
    node_tags: dict[int, dict[str, str]] = field(default_factory=dict)
    node_time: dict[int, datetime] = field(default_factory=dict)
    ways: list[Way] = field(default_factory=list)
    next_node: int = 30_000_000_001  # above the extract's own new ids (20,000,000,001 ...)
    next_way: int = 10_000_000_001  # above the extract's (9,000,000,001 ...)
    _by_position: dict[tuple[float, float], int] = field(default_factory=dict)

    def node_at(self, lon: float, lat: float, when: datetime) -> int:
        key = (round(lon, 6), round(lat, 6))
        node = self._by_position.get(key)
        if node is None:
            node = self._by_position[key] = self.next_node
            self.next_node += 1
            self.nodes[node] = key
            self.node_time[node] = when
        return node

    def add_way(self, coords: Iterable[tuple[float, float]], tags: dict[str, str], when: datetime) -> Way:
        refs: list[int] = []
        for lon, lat in coords:
            node = self.node_at(lon, lat, when)
            if not refs or refs[-1] != node:
                refs.append(node)
        way = Way(self.next_way, refs, tags, when)
        self.next_way += 1
        if len(refs) >= 2:
            self.ways.append(way)
        return way

    def degree(self) -> dict[int, int]:
        """How many way ends and interior passes each node has (an end counts 1, an interior node 2)."""
        deg: dict[int, int] = {}
        for way in self.ways:
            for i, node in enumerate(way.refs):
                deg[node] = deg.get(node, 0) + (1 if i in (0, len(way.refs) - 1) else 2)
        return deg


class Snapper:
    """Ties loose ends to the nearest edge of a fixed set of ways. Splits are applied by ``apply`` at the end
    (the edge index is built once); merges (an end within MERGE_M of a node) become a node remap."""

    def __init__(self, net: Network, targets: list[Way]) -> None:
        self.net = net
        self._edges: list[tuple[int, int]] = []  # (index into targets, position of the edge's first node)
        starts, ends = [], []
        for wi, way in enumerate(targets):
            for pos in range(len(way.refs) - 1):
                self._edges.append((wi, pos))
                starts.append(net.nodes[way.refs[pos]])
                ends.append(net.nodes[way.refs[pos + 1]])
        self._targets = targets
        a = np.column_stack(TO_METRES.transform(*np.asarray(starts).T))
        b = np.column_stack(TO_METRES.transform(*np.asarray(ends).T))
        self._lines = shapely.linestrings(np.stack([a, b], axis=1))
        self._tree = shapely.STRtree(self._lines)
        self._splits: dict[int, list[tuple[int, float, int]]] = {}  # target index -> (pos, t, node)

    def nearest(
        self, node: int, max_m: float, exclude: set[int] | None = None
    ) -> tuple[int, float, int, int] | None:
        """(target index, distance m, edge position, edge index) of the nearest edge within ``max_m``."""
        point = shapely.points(TO_METRES.transform(*self.net.nodes[node]))
        hits = self._tree.query(point, predicate="dwithin", distance=max_m)
        best = None
        for edge in hits.tolist():
            wi, pos = self._edges[edge]
            way = self._targets[wi]
            if exclude and way.id in exclude or node in way.refs:
                continue
            dist = float(shapely.distance(point, self._lines[edge]))
            if best is None or dist < best[1]:
                best = (wi, dist, pos, edge)
        return best

    def attach(
        self,
        node: int,
        max_m: float,
        connector_tags: dict[str, str],
        when: datetime,
        exclude: set[int] | None = None,
    ) -> int | None:
        """Join ``node`` to the nearest target edge within ``max_m``: returns the node it now meets, or None.
        Within MERGE_M of the edge's end the end node is used; else the edge is split at the nearest point."""
        found = self.nearest(node, max_m, exclude)
        if found is None:
            return None
        wi, dist, pos, edge = found
        way = self._targets[wi]
        line = self._lines[edge]
        point = shapely.points(TO_METRES.transform(*self.net.nodes[node]))
        t = float(shapely.line_locate_point(line, point, normalized=True))
        length = float(shapely.length(line))
        if t * length <= MERGE_M:
            target = way.refs[pos]
        elif (1 - t) * length <= MERGE_M:
            target = way.refs[pos + 1]
        else:
            lon0, lat0 = self.net.nodes[way.refs[pos]]
            lon1, lat1 = self.net.nodes[way.refs[pos + 1]]
            lon, lat = round(lon0 + (lon1 - lon0) * t, 6), round(lat0 + (lat1 - lat0) * t, 6)
            target = self.net.next_node
            self.net.next_node += 1
            self.net.nodes[target] = (lon, lat)
            self.net.node_time[target] = when
            self._splits.setdefault(wi, []).append((pos, t, target))
        if dist > 0.05:  # a connector way from the end to where it meets the network
            self.net.ways.append(Way(self.net.next_way, [node, target], dict(connector_tags), when))
            self.net.next_way += 1
        return target

    def apply(self) -> int:
        """Insert the split nodes into their ways. Returns how many splits there were."""
        for wi, splits in self._splits.items():
            way = self._targets[wi]
            refs = list(way.refs)
            for pos, _t, node in sorted(splits, key=lambda s: (s[0], s[1]), reverse=True):
                refs.insert(pos + 1, node)
            way.refs = refs
        count = sum(len(s) for s in self._splits.values())
        self._splits.clear()
        return count


def largest_component(net: Network) -> tuple[set[int], int]:
    """The nodes of the largest connected part (union-find over the ways), and how many parts there are."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for way in net.ways:
        first = find(way.refs[0])
        for node in way.refs[1:]:
            other = find(node)
            if other != first:
                parent[other] = first
    members: dict[int, set[int]] = {}
    for way in net.ways:
        for node in way.refs:
            members.setdefault(find(node), set()).add(node)
    biggest = max(members.values(), key=len)
    return biggest, len(members)
