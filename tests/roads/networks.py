"""A tiny synthetic town near Cirebon whose road distances can be worked out by hand.

    lat
    -6.689  TL +------------------------------+ TR                 top street (two-way)
               |                 |            |
    -6.695   X +--> one-way -->  + Y          |   G2 (gang top)
               |                              |   :
    -6.700  NW +------ north street ------ F1 +---G1---- NE        G1..G2: motorcycle-only gang
               |                                          |
               ~~~~~~~~~~~~~~~~ river ~~~~~~~~~~~~~~~~~~~~~~       bridges at lon 108.520 and 108.570
               |                                          |
    -6.707  SW +------ south street --------------------- SE
          108.520   108.540    108.550     108.560   108.570

Streets are residential; junctions every 0.002 degrees (about 220 m) along the north and south
streets. The east bridge is near homes A (north bank) and B (south bank), 730 m apart as the crow
flies: 2.5 km by road over the east bridge, 10.1 km over the west one when the east bridge is
closed. X -> Y is 1.1 km on the one-way street, Y -> X 2.4 km around by the top street. G1 -> G2 is
1.2 km on the gang for a motorcycle; a car goes round by the TR connector (about 2.1 km).
"""

from __future__ import annotations

from pathlib import Path

from data.roads_synth import MOTORCYCLE_LANE, STREET, OsmNetwork

N_LAT, S_LAT, ONE_WAY_LAT, TOP_LAT = -6.700, -6.707, -6.695, -6.689
WEST, EAST = 108.520, 108.570
X, Y = (108.540, ONE_WAY_LAT), (108.550, ONE_WAY_LAT)
GANG_LON = 108.556
TR_LON = 108.560

# Homes, a little off the streets (as a geocoded address is).
HOME_A = (108.562, -6.7002)  # north bank
HOME_B = (108.562, -6.7068)  # south bank
HOME_X = (108.5402, -6.6951)  # at the west end of the one-way street
HOME_Y = (108.5498, -6.6951)  # at its east end
HOME_G1 = (GANG_LON, -6.6996)  # at the foot of the gang, on the north street
HOME_G2 = (GANG_LON, -6.6894)  # at its top, on the top street
FAR_AWAY = (108.545, -6.650)  # 4.3 km north of the top street: no road near

EAST_BRIDGE = ((EAST, N_LAT), (EAST, S_LAT))
WEST_BRIDGE = ((WEST, N_LAT), (WEST, S_LAT))


def _row(lat: float, west: float, east: float) -> list[tuple[float, float]]:
    n = round((east - west) / 0.002)
    return [(round(west + 0.002 * k, 6), lat) for k in range(n + 1)]


def tiny_town() -> OsmNetwork:
    net = OsmNetwork()
    net.add_way(_row(N_LAT, WEST, EAST), {**STREET, "name": "Jl. Utara"})
    net.add_way(_row(S_LAT, WEST, EAST), {**STREET, "name": "Jl. Selatan"})
    for name, (a, b) in (("Jembatan Timur", EAST_BRIDGE), ("Jembatan Barat", WEST_BRIDGE)):
        net.add_way([a, b], {**STREET, "name": name, "bridge": "yes", "layer": "1"})
    # The one-way street and the two-way loop around it.
    net.add_way([(X[0], N_LAT), X], {**STREET, "name": "Jl. Tiang"})
    net.add_way([X, (108.545, ONE_WAY_LAT), Y], {**STREET, "name": "Jl. Satu Arah", "oneway": "yes"})
    net.add_way([X, (X[0], TOP_LAT)], {**STREET, "name": "Jl. Kiri"})
    net.add_way([Y, (Y[0], TOP_LAT)], {**STREET, "name": "Jl. Kanan"})
    net.add_way(
        [(X[0], TOP_LAT), (Y[0], TOP_LAT), (GANG_LON, TOP_LAT), (TR_LON, TOP_LAT)], {**STREET, "name": "Jl. Atas"}
    )
    net.add_way([(TR_LON, TOP_LAT), (TR_LON, N_LAT)], {**STREET, "name": "Jl. Penghubung"})
    # The motorcycle-only gang from the north street (a junction at GANG_LON) to the top street.
    net.add_way([(GANG_LON, N_LAT), (GANG_LON, TOP_LAT)], {**MOTORCYCLE_LANE, "name": "Gg. Motor"})
    return net


def write_tiny_town(path: Path) -> Path:
    return tiny_town().write_pbf(path)
