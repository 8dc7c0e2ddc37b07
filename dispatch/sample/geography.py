"""The sample region's map: real kecamatan centres and ULP offices, the coast, and the zones drawn on it."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

from dispatch.core.policy import CIREBON_BBOX

TZ = ZoneInfo("Asia/Jakarta")


# (min_lat, min_lon, max_lat, max_lon): every generated point lies inside; the policy's default region.bbox.
REGION_BBOX = CIREBON_BBOX


_KOTA, _KAB, _KNG, _MJL, _IDM = "Kota Cirebon", "Kab. Cirebon", "Kab. Kuningan", "Kab. Majalengka", "Kab. Indramayu"


@dataclass(frozen=True)
class Town:
    """A kecamatan centre: where tickets cluster and where a ULP office or posko may stand."""

    name: str
    area: str  # "Kota Cirebon", "Kab. Cirebon", ...
    lat: float
    lon: float
    population_k: int  # thousands; weights the ticket mixture
    sigma_km: float  # spread of tickets around the centre
    code: str  # for transformer ids (GD-<code>-nnnn)
    villages: tuple[str, ...]
    urban: bool = False  # kelurahan ("Kel.") rather than desa ("Desa")


# Approximate kecamatan centres (WGS84). Coastal ones have small spreads; the sea test below
# rejects any point that would fall into the Java Sea.
TOWNS: tuple[Town, ...] = (
    Town("Kejaksan", _KOTA, -6.7063, 108.5570, 45, 0.9, "CRB",
         ("Kejaksan", "Kebonbaru", "Sukapura", "Kesenden"), urban=True),
    Town("Kesambi", _KOTA, -6.7280, 108.5440, 75, 1.1, "KSB",
         ("Kesambi", "Pekiringan", "Sunyaragi", "Drajat", "Karyamulya"), urban=True),
    Town("Lemahwungkuk", _KOTA, -6.7200, 108.5640, 55, 0.7, "LWK",
         ("Lemahwungkuk", "Pegambiran", "Kesepuhan", "Panjunan"), urban=True),
    Town("Pekalipan", _KOTA, -6.7145, 108.5600, 30, 0.6, "PKL",
         ("Pekalipan", "Pulasaren", "Jagasatru", "Pekalangan"), urban=True),
    Town("Harjamukti", _KOTA, -6.7480, 108.5510, 120, 1.4, "HJM",
         ("Harjamukti", "Kalijaga", "Argasunya", "Kecapi", "Larangan"), urban=True),
    Town("Sumber", _KAB, -6.7596, 108.4812, 85, 1.6, "SBR",
         ("Sumber", "Babakan", "Kenanga", "Tukmudal", "Watubelah", "Pasalakan"), urban=True),
    Town("Kedawung", _KAB, -6.7180, 108.5300, 65, 1.0, "KDW",
         ("Kedawung", "Kertawinangun", "Tuk", "Sutawinangun", "Kedungjaya")),
    Town("Plered", _KAB, -6.7040, 108.5090, 50, 1.0, "PLD",
         ("Tegalsari", "Panembahan", "Trusmi Wetan", "Trusmi Kulon", "Wotgali", "Sarabau")),
    Town("Weru", _KAB, -6.7140, 108.4960, 50, 1.0, "WRU", ("Weru Lor", "Weru Kidul", "Megu Gede", "Karangsari")),
    Town("Plumbon", _KAB, -6.7030, 108.4720, 80, 1.4, "PLB", ("Plumbon", "Karangasem", "Kebarepan", "Pamijahan")),
    Town("Talun", _KAB, -6.7560, 108.5150, 70, 1.3, "TLN", ("Talun", "Kecomberan", "Sampiran", "Cirebon Girang")),
    Town("Depok", _KAB, -6.7440, 108.4540, 75, 1.4, "DPK", ("Depok", "Kasugengan", "Warugede", "Getasan")),
    Town("Palimanan", _KAB, -6.7059, 108.4234, 65, 1.6, "PLM",
         ("Palimanan Barat", "Cengkuang", "Ciawi", "Semplo", "Lungbenda")),
    Town("Arjawinangun", _KAB, -6.6455, 108.4107, 65, 1.6, "AJW",
         ("Arjawinangun", "Jungjang", "Tegalgubug", "Kebonturi", "Bulak")),
    Town("Gegesik", _KAB, -6.5980, 108.3780, 75, 1.8, "GGS", ("Gegesik Kulon", "Gegesik Wetan", "Jagapura")),
    Town("Kapetakan", _KAB, -6.6300, 108.4900, 60, 1.2, "KPT", ("Kapetakan", "Bungko", "Grogol", "Dukupuntang")),
    Town("Gunungjati", _KAB, -6.6780, 108.5380, 85, 0.9, "GJT", ("Astana", "Klayan", "Sirnabaya", "Jadimulya")),
    Town("Beber", _KAB, -6.8050, 108.5000, 45, 1.3, "BBR", ("Beber", "Cikancas", "Sindangkempeng")),
    Town("Lemahabang", _KAB, -6.8240, 108.6300, 60, 1.4, "LMB", ("Lemahabang", "Sindanglaut", "Cipeujeuh", "Asem")),
    Town("Astanajapura", _KAB, -6.8000, 108.6150, 75, 1.1, "AJP",
         ("Astanajapura", "Kanci", "Japura Kidul", "Mertapada Kulon")),
    Town("Babakan", _KAB, -6.8650, 108.7200, 70, 1.4, "BBK", ("Babakan", "Gembongan", "Pakusamben", "Kudukeras")),
    Town("Ciledug", _KAB, -6.9030, 108.7450, 45, 1.1, "CLD", ("Ciledug Kulon", "Ciledug Wetan", "Jatiseeng")),
    Town("Waled", _KAB, -6.9150, 108.7270, 60, 1.3, "WLD", ("Waled Kota", "Waled Desa", "Ciuyah", "Cisaat")),
    Town("Losari", _KAB, -6.8360, 108.8120, 60, 1.2, "LSR", ("Losari Lor", "Losari Kidul", "Ambulu", "Kalirahayu")),
    Town("Kuningan", _KNG, -6.9759, 108.4836, 105, 1.6, "KNG",
         ("Kuningan", "Cijoho", "Awirarangan", "Winduhaji", "Purwawinangun", "Cigintung"), urban=True),
    Town("Cilimus", _KNG, -6.8760, 108.4970, 55, 1.4, "CLM", ("Cilimus", "Linggarjati", "Caracas", "Bandorasa")),
    Town("Ciawigebang", _KNG, -6.9720, 108.5950, 90, 1.7, "CWG", ("Ciawigebang", "Ciomas", "Kapandayan")),
    Town("Luragung", _KNG, -7.0140, 108.6320, 40, 1.4, "LRG", ("Luragung Landeuh", "Luragung Tonggoh", "Dukuhmaja")),
    Town("Kadugede", _KNG, -7.0080, 108.4500, 40, 1.3, "KDG", ("Kadugede", "Ciherang", "Babatan")),
    Town("Majalengka", _MJL, -6.8364, 108.2274, 75, 1.6, "MJL",
         ("Majalengka Kulon", "Majalengka Wetan", "Tonjong", "Cicurug", "Sindangkasih", "Cijati"), urban=True),
    Town("Kadipaten", _MJL, -6.7700, 108.1700, 55, 1.4, "KDP", ("Kadipaten", "Liangjulang", "Karangsambung")),
    Town("Jatiwangi", _MJL, -6.7420, 108.2650, 90, 1.7, "JTW", ("Jatisura", "Loji", "Sutawangi", "Burujul Kulon")),
    Town("Rajagaluh", _MJL, -6.8050, 108.3600, 45, 1.3, "RJG", ("Rajagaluh Kidul", "Rajagaluh Lor", "Cipinang")),
    Town("Talaga", _MJL, -6.9800, 108.3100, 45, 1.3, "TLG", ("Talaga Kulon", "Talaga Wetan", "Ganeas")),
    Town("Kertajati", _MJL, -6.6650, 108.1850, 45, 1.8, "KTJ", ("Kertajati", "Palasah", "Sukamulya")),
    Town("Indramayu", _IDM, -6.3270, 108.3240, 120, 1.5, "IDM",
         ("Lemahmekar", "Karanganyar", "Margadadi", "Paoman", "Bojongsari", "Kepandean"), urban=True),
    Town("Jatibarang", _IDM, -6.4740, 108.3100, 75, 1.6, "JTB", ("Jatibarang", "Bulak", "Pilangsari", "Kebulen")),
    Town("Lohbener", _IDM, -6.4050, 108.2800, 60, 1.5, "LBN", ("Lohbener", "Legok", "Lanjan")),
    Town("Karangampel", _IDM, -6.4700, 108.4400, 70, 1.0, "KRA", ("Karangampel", "Benda", "Tanjungpura")),
    Town("Haurgeulis", _IDM, -6.4600, 107.9400, 95, 1.8, "HGL", ("Haurgeulis", "Sukajati", "Cipancuh")),
    Town("Losarang", _IDM, -6.4000, 108.1500, 60, 1.5, "LSG", ("Losarang", "Santing", "Pangkalanpari")),
)  # fmt: skip


_TOWN = {t.name: t for t in TOWNS}


# Crew depots in the order they open as the fleet grows: the six ULP offices first, then further
# ULPs, then posko in every other kecamatan (see ``_depots``).
_ULP_ORDER = (
    ("Cirebon Kota", "Kejaksan"), ("Sumber", "Sumber"), ("Arjawinangun", "Arjawinangun"),
    ("Kuningan", "Kuningan"), ("Majalengka", "Majalengka"), ("Indramayu", "Indramayu"),
    ("Sindanglaut", "Lemahabang"), ("Jatibarang", "Jatibarang"), ("Ciledug", "Ciledug"),
    ("Kadipaten", "Kadipaten"), ("Cilimus", "Cilimus"), ("Haurgeulis", "Haurgeulis"), ("Palimanan", "Palimanan"),
)  # fmt: skip


# Java Sea north/east of a conservative (slightly inland) coastline from Eretan to Losari, as (lon, lat).
_COAST = (
    (107.80, -6.29), (107.95, -6.30), (108.10, -6.33), (108.20, -6.37), (108.30, -6.31), (108.34, -6.31),
    (108.38, -6.36), (108.42, -6.42), (108.46, -6.47), (108.49, -6.53), (108.52, -6.60), (108.55, -6.65),
    (108.565, -6.69), (108.575, -6.72), (108.60, -6.745), (108.64, -6.77), (108.70, -6.785),
    (108.76, -6.795), (108.84, -6.80), (108.95, -6.80),
)  # fmt: skip


_SEA = Polygon([*_COAST, (108.95, -5.90), (107.80, -5.90)])
shapely.prepare(_SEA)


def _km_to_deg(lat: float, dn_km: float, de_km: float) -> tuple[float, float]:
    return dn_km / 110.574, de_km / (111.320 * math.cos(math.radians(lat)))


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Equirectangular is plenty at this scale (~100 km).
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(x, math.radians(lat2 - lat1))


def on_land(lat: float, lon: float) -> bool:
    """Inside the region's box and not in the Java Sea (by a conservative coastline)."""
    min_lat, min_lon, max_lat, max_lon = REGION_BBOX
    if not (min_lat <= lat <= max_lat and min_lon <= lon <= max_lon):
        return False
    return not shapely.contains_xy(_SEA, lon, lat)


def _point_near(rng: random.Random, lat: float, lon: float, sigma_km: float, max_km: float) -> tuple[float, float]:
    """A land point drawn from a Gaussian around (lat, lon), truncated at ``max_km``."""
    for _ in range(200):
        dn, de = rng.gauss(0.0, sigma_km), rng.gauss(0.0, sigma_km)
        if math.hypot(dn, de) > max_km:
            continue
        dlat, dlon = _km_to_deg(lat, dn, de)
        p = (lat + dlat, lon + dlon)
        if on_land(*p):
            return p
    return lat, lon  # a town centre is on land; reaching this means a tiny radius at the coast


def _nearest_town(lat: float, lon: float) -> Town:
    return min(TOWNS, key=lambda t: _distance_km(lat, lon, t.lat, t.lon))


def _blob(lat: float, lon: float, radius_km: float, wobble: Sequence[float]) -> Polygon:
    """An irregular closed shape around a centre, like a kelurahan boundary."""
    ring = []
    for k, w in enumerate(wobble):
        a = 2 * math.pi * k / len(wobble)
        dlat, dlon = _km_to_deg(lat, radius_km * w * math.sin(a), radius_km * w * math.cos(a))
        ring.append((round(lon + dlon, 6), round(lat + dlat, 6)))
    return Polygon(ring)


_WOBBLE = (1.0, 0.85, 1.1, 0.95, 0.8, 1.05, 0.9, 1.15)


@dataclass(frozen=True)
class _ZoneSpec:
    name: str
    geometry: Polygon | MultiPolygon
    town: str
    village: str
    risk_weight: float = 1.0
    closed: bool = False
    speed_kmh: float | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    tickets_per_300: int = 0  # sample tickets placed inside, to show the zone's effect


def _zone_specs(day: date) -> list[_ZoneSpec]:
    return [
        _ZoneSpec("Kel. Kalijaga (zona merah)", _blob(-6.7430, 108.5575, 0.6, _WOBBLE), "Harjamukti", "Kalijaga",
                  risk_weight=2.0, tickets_per_300=4),
        _ZoneSpec("Desa Trusmi Wetan (zona oranye)", _blob(-6.7060, 108.5125, 0.45, _WOBBLE[::-1]), "Plered",
                  "Trusmi Wetan", risk_weight=1.5, tickets_per_300=2),
        _ZoneSpec("Pondok Buntet Pesantren (karantina)", _blob(-6.7880, 108.6290, 0.4, _WOBBLE), "Astanajapura",
                  "Mertapada Kulon", closed=True, valid_from=day - timedelta(days=4),
                  valid_to=day + timedelta(days=9), tickets_per_300=3),
        _ZoneSpec("Desa Kertawinangun (karantina mulai H+3)", _blob(-6.7230, 108.5230, 0.4, _WOBBLE[3:] + _WOBBLE[:3]),
                  "Kedawung", "Kertawinangun", closed=True, valid_from=day + timedelta(days=3),
                  valid_to=day + timedelta(days=16), tickets_per_300=2),
        _ZoneSpec("Desa Tegalgubug (zona merah, sudah berakhir)", _blob(-6.6370, 108.4200, 0.6, _WOBBLE),
                  "Arjawinangun", "Tegalgubug", risk_weight=2.0, valid_from=day - timedelta(days=20),
                  valid_to=day - timedelta(days=1), tickets_per_300=1),
        _ZoneSpec("Pusat Kota Cirebon (macet)",
                  Polygon([(108.5480, -6.7000), (108.5660, -6.6990), (108.5690, -6.7120), (108.5650, -6.7230),
                           (108.5500, -6.7220), (108.5460, -6.7110)]),
                  "Kejaksan", "Kejaksan", speed_kmh=15.0),
        _ZoneSpec("Pasar Sumber dan Pasar Jatibarang (macet)",
                  MultiPolygon([_blob(-6.7590, 108.4820, 0.35, _WOBBLE), _blob(-6.4745, 108.3105, 0.35, _WOBBLE)]),
                  "Sumber", "Sumber", speed_kmh=18.0),
    ]  # fmt: skip


def _zones_geojson(specs: Sequence[_ZoneSpec]) -> dict:
    features = []
    for z in specs:
        props: dict[str, object] = {"name": z.name, "risk_weight": z.risk_weight, "closed": z.closed}
        if z.speed_kmh is not None:
            props["speed_kmh"] = z.speed_kmh
        if z.valid_from is not None:
            props["valid_from"] = z.valid_from.isoformat()
        if z.valid_to is not None:
            props["valid_to"] = z.valid_to.isoformat()
        geometry = json.loads(json.dumps(mapping(z.geometry)))  # tuples -> lists
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def _point_in(rng: random.Random, geom: Polygon | MultiPolygon) -> tuple[float, float]:
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    for _ in range(500):
        lon, lat = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
        if shapely.contains_xy(geom, lon, lat) and on_land(lat, lon):
            return lat, lon
    c = geom.representative_point()
    return c.y, c.x
