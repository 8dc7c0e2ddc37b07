"""Synthetic sample region: a UP3 (PLN distribution service unit) around Cirebon, West Java.

Real kecamatan centres of Kota/Kab. Cirebon, Kuningan, Majalengka and Indramayu (WGS84), ULP offices
as crew depots, tickets clustered around towns by population, zones (red zone, lockdowns, congested
centres) and a commented ``dispatch.toml``. Everything is deterministic for a seed, so benchmarks and
what-if scenarios can regenerate the same region.

    python -m dispatch.sample --tickets 300 --crews 12 --date 2026-11-30 --seed 7 --out data/sample
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

TZ = ZoneInfo("Asia/Jakarta")

TICKET_COLUMNS = (
    "ticket_id", "reported_at", "category", "lat", "lon", "address", "customer_id", "customer_name",
    "phone", "priority", "critical_facility", "customers_affected", "service_min", "indoor",
    "household_risk", "window_start", "window_end", "skills", "transformer_id",
)  # fmt: skip
CREW_COLUMNS = (
    "crew_id", "name", "depot_lat", "depot_lon", "end_lat", "end_lon", "skills", "vehicle", "members",
)  # fmt: skip
SHIFT_COLUMNS = (
    "crew_id", "date", "start", "end", "break_start", "break_end", "break_min", "standby",
)  # fmt: skip

# (min_lat, min_lon, max_lat, max_lon): every generated point lies inside.
REGION_BBOX = (-7.08, 107.86, -6.24, 108.86)

Row = dict[str, str]


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


_KOTA, _KAB, _KNG, _MJL, _IDM = "Kota Cirebon", "Kab. Cirebon", "Kab. Kuningan", "Kab. Majalengka", "Kab. Indramayu"

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

CATEGORY_WEIGHTS = {
    "no_power": 0.30, "meter": 0.24, "partial_power": 0.12, "voltage": 0.09, "other": 0.09,
    "tree": 0.08, "line_down": 0.045, "pole": 0.035,
}  # fmt: skip
_STORM_WEIGHTS = {
    "no_power": 0.36, "tree": 0.30, "line_down": 0.18, "pole": 0.08, "partial_power": 0.05, "voltage": 0.03,
}  # fmt: skip
_INDOOR_CATEGORIES = ("no_power", "meter", "partial_power", "voltage", "other")

# Critical facilities: (name, town, village, street address, lat, lon, phone).
_FACILITIES = (
    ("RSUD Gunung Jati Cirebon", "Kesambi", "Kesambi", "Jl. Kesambi No. 56", -6.7232, 108.5497, "+62231206330"),
    ("RSUD Waled", "Waled", "Waled Kota", "Jl. Prabu Kiansantang No. 4", -6.9142, 108.7265, "+62231661126"),
    ("Pusat Isolasi Terpadu Kota Cirebon", "Harjamukti", "Kalijaga", "Jl. Kalijaga No. 120",
     -6.7425, 108.5583, "+62231480211"),
    ("RSUD Arjawinangun", "Arjawinangun", "Jungjang", "Jl. By Pass Palimanan-Jakarta No. 1",
     -6.6480, 108.4100, "+62231357126"),
    ("RSUD 45 Kuningan", "Kuningan", "Cijoho", "Jl. Jend. Sudirman No. 68", -6.9805, 108.4855, "+62232871885"),
    ("RSUD Majalengka", "Majalengka", "Majalengka Kulon", "Jl. Kesehatan No. 77", -6.8380, 108.2260, "+62233281031"),
    ("RSUD Indramayu", "Indramayu", "Margadadi", "Jl. Murah Nara No. 7", -6.3390, 108.3180, "+62234272655"),
    ("Puskesmas Plered", "Plered", "Tegalsari", "Jl. Raya Plered No. 12", -6.7050, 108.5080, "+62231321845"),
    ("Puskesmas Sumber", "Sumber", "Sumber", "Jl. Dewi Sartika No. 21", -6.7610, 108.4830, "+62231321002"),
    ("Puskesmas Jatibarang", "Jatibarang", "Bulak", "Jl. Mayor Dasuki No. 40", -6.4750, 108.3110, "+62234351023"),
    ("Puskesmas Cilimus", "Cilimus", "Cilimus", "Jl. Raya Cilimus No. 101", -6.8770, 108.4960, "+62232613120"),
    ("Puskesmas Ciledug", "Ciledug", "Ciledug Kulon", "Jl. Raya Ciledug No. 15", -6.9040, 108.7440, "+62231661520"),
)  # fmt: skip

_STREETS_KOTA = (
    "Jl. Siliwangi", "Jl. Kartini", "Jl. Pekiringan", "Jl. Pasuketan", "Jl. Lemahwungkuk", "Jl. Kanoman",
    "Jl. Karanggetas", "Jl. Pulasaren", "Jl. Kesambi", "Jl. Perjuangan", "Jl. Evakuasi", "Jl. Ciremai Raya",
    "Jl. Kalitanjung", "Jl. Pramuka", "Jl. Dr. Cipto Mangunkusumo", "Jl. Dr. Sudarsono", "Jl. Kalibaru Selatan",
    "Jl. Sisingamangaraja", "Jl. Pemuda", "Jl. Cendrawasih", "Gg. Mushola", "Gg. Damai",
)  # fmt: skip
_STREETS = (
    "Jl. Ahmad Yani", "Jl. Diponegoro", "Jl. Jend. Sudirman", "Jl. Veteran", "Jl. Pangeran Cakrabuana",
    "Jl. Sultan Agung", "Jl. KH. Wahid Hasyim", "Jl. Merdeka", "Jl. Pahlawan", "Jl. Melati", "Jl. Mawar",
    "Jl. Anggrek", "Jl. Kenanga", "Jl. Masjid", "Jl. Pesantren", "Jl. Balai Desa", "Jl. Sekolah",
    "Jl. Irigasi", "Jl. Pasar", "Gg. Mushola", "Blok Pahing", "Blok Manis", "Blok Kliwon", "Blok Wage",
)  # fmt: skip
_MEN = (
    "Ahmad", "Agus", "Asep", "Bambang", "Budi", "Dedi", "Dadang", "Eko", "Endang", "Hendra", "Iwan", "Jajang",
    "Kusnadi", "Mulyadi", "Nana", "Rudi", "Sutrisno", "Slamet", "Tarsono", "Wahyu", "Yayan", "Ujang",
    "Darsono", "Carsim", "Tarmidi", "Warsa", "Sanusi", "Kartono", "Rohmat", "Saefudin",
)  # fmt: skip
_WOMEN = (
    "Siti", "Sri", "Dewi", "Nur", "Euis", "Eti", "Imas", "Tini", "Yuyun", "Rina", "Neneng", "Kokom", "Nining",
    "Ratna", "Wati", "Lilis", "Darsih", "Casinah", "Warsini", "Tarsiah",
)  # fmt: skip
_SURNAMES = (
    "Hidayat", "Suryana", "Saputra", "Kurniawan", "Setiawan", "Permana", "Nurhayati", "Rahmawati", "Sulastri",
    "Maulana", "Hasanudin", "Wijaya", "Fauzi", "Rohman", "Sumarni", "Supriyadi", "Mulyana", "Sudrajat",
    "Hermawan", "Purnama", "Aminah", "Kusmiati",
)  # fmt: skip
_MOBILE = (
    "11", "12", "13", "21", "22", "23", "51", "52", "53", "14", "15", "16", "55", "56", "57", "58", "17", "18",
    "19", "59", "77", "78", "95", "96", "97", "98", "99", "81", "82", "83", "87", "88", "89", "31", "32", "38",
)  # fmt: skip
_IDPEL_PREFIX = {_KOTA: "53210", _KAB: "53220", _KNG: "53230", _MJL: "53240", _IDM: "53250"}
_WINDOWS = (("08:00", "12:00"), ("09:00", "12:00"), ("10:00", "14:00"), ("13:00", "16:00"), ("14:00", "17:00"))


# --------------------------------------------------------------------------------------------- geometry


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


# --------------------------------------------------------------------------------------------- tickets


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


def _affected(rng: random.Random, category: str, storm: bool = False) -> tuple[int, bool]:
    """(customers affected, whole-transformer outage). Heavy-tailed for network faults."""
    scale = 1.5 if storm else 1.0
    if category == "no_power":
        if rng.random() < (0.35 if storm else 0.18):  # transformer fuse (FCO) blown: the whole gardu is out
            return _heavy(rng, 8 * scale, 1.1), True
        return 1, False
    if category == "line_down":
        return _heavy(rng, 12 * scale, 1.0), True
    if category == "pole":
        return min(400, 1 + round(rng.expovariate(1 / (20 * scale)))), False
    if category == "tree":
        return (1 if rng.random() < 0.6 else _heavy(rng, 5 * scale, 1.2)), False
    if category == "voltage":
        return min(60, 1 + int(rng.expovariate(1 / 8))), False
    if category == "partial_power":
        return rng.choice((1, 1, 1, 2)), False
    return 1, False


def _heavy(rng: random.Random, scale: float, alpha: float, cap: int = 400) -> int:
    """Pareto-distributed customer count, redrawn above ``cap`` (a gardu feeds at most ~400 homes)."""
    while True:
        n = round(scale * rng.paretovariate(alpha))
        if n <= cap:
            return max(1, n)


def _name(rng: random.Random) -> str:
    female = rng.random() < 0.45
    first = rng.choice(_WOMEN if female else _MEN)
    name = first if rng.random() < 0.3 else f"{first} {rng.choice(_SURNAMES)}"
    if rng.random() < 0.05:
        name = ("Hj. " if female else "H. ") + name
    return name


def _phone(rng: random.Random) -> str:
    digits = rng.choice((7, 8, 8))
    return f"+628{rng.choice(_MOBILE)}{rng.randrange(10 ** (digits - 1), 10**digits)}"


def _address(rng: random.Random, town: Town, village: str | None = None) -> str:
    village = village or rng.choice(town.villages)
    kind = "Kel." if town.urban else "Desa"
    streets = _STREETS_KOTA if town.area == _KOTA else (*_STREETS, f"Jl. Raya {town.name}")
    street = rng.choice(streets)
    rt = f"RT {rng.randint(1, 12):02d}/RW {rng.randint(1, 8):02d}"
    where = street + " " + rt if street.startswith("Blok") else f"{street} No. {rng.randint(1, 180)}"
    if not street.startswith("Blok") and rng.random() < 0.3:
        where += " " + rt
    return f"{where}, {kind} {village}, Kec. {town.name}, {town.area}"


def _transformer(town: Town, lat: float, lon: float) -> str:
    """Gardu id from a ~450 m grid cell around the town: nearby customers share a transformer."""
    cell = 0.004
    dy = max(-24, min(24, math.floor((lat - town.lat) / cell)))
    dx = max(-24, min(24, math.floor((lon - town.lon) / cell)))
    return f"GD-{town.code}-{100 + (dy + 25) * 50 + (dx + 25):04d}"


def _reported_at(rng: random.Random, start: datetime, hours: float) -> datetime:
    """A report time in [start, start + hours), fewer at night, most at the evening peak."""
    while True:
        t = start + timedelta(seconds=rng.randrange(int(hours * 3600)))
        weight = 0.25 if t.hour < 6 else 1.3 if 17 <= t.hour < 22 else 1.0
        if rng.random() * 1.3 < weight:
            return t


def _ticket(
    rng: random.Random,
    *,
    category: str,
    lat: float,
    lon: float,
    reported_at: datetime,
    storm: bool = False,
    windows: bool = True,
) -> Row:
    town = _nearest_town(lat, lon)
    affected, whole_transformer = _affected(rng, category, storm)
    risk = "none"
    r = rng.random()
    if r < 0.02:
        risk = "isolating"
    elif r < 0.07:
        risk = "suspected"
    skills: list[str] = []
    # Line and pole work, and a blown transformer fuse, are on the 20 kV side: an MV crew must go.
    if category in ("line_down", "pole") or whole_transformer:
        skills.append("mv")
    if risk == "isolating":
        skills.append("ppe")
    indoor = category in _INDOOR_CATEGORIES
    priority = service = indoor_s = w_start = w_end = ""
    if indoor and rng.random() < 0.02:
        priority = "2"  # e.g. a patient on home oxygen: the call centre raises the priority
    if rng.random() < 0.08:
        service = str({"meter": 45, "no_power": 20, "voltage": 60}.get(category, rng.choice((20, 45, 75))))
    if indoor and rng.random() < 0.05:
        indoor_s = "false"  # meter or MCB outside the house: no home entry after all
    if windows and indoor and rng.random() < 0.18:  # ~15% of all tickets
        w_start, w_end = rng.choice(_WINDOWS)
    return {
        "ticket_id": "",
        "reported_at": reported_at.isoformat(),
        "category": category,
        "lat": f"{lat:.6f}",
        "lon": f"{lon:.6f}",
        "address": _address(rng, town),
        "customer_id": _IDPEL_PREFIX[town.area] + f"{rng.randrange(10**7):07d}",
        "customer_name": _name(rng),
        "phone": _phone(rng),
        "priority": priority,
        "critical_facility": "false",
        "customers_affected": str(affected),
        "service_min": service,
        "indoor": indoor_s,
        "household_risk": risk,
        "window_start": w_start,
        "window_end": w_end,
        "skills": ";".join(skills),
        "transformer_id": _transformer(town, lat, lon),
    }


def _relocate(rng: random.Random, row: Row, lat: float, lon: float, town: Town, village: str) -> None:
    row["lat"], row["lon"] = f"{lat:.6f}", f"{lon:.6f}"
    row["address"] = _address(rng, town, village)
    row["transformer_id"] = _transformer(town, lat, lon)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=TZ)


# --------------------------------------------------------------------------------------------- crews


@dataclass(frozen=True)
class Depot:
    name: str  # "ULP Sumber", "Posko Plered"
    short: str  # used in crew names
    town: str
    lat: float
    lon: float


def _depots(n_crews: int) -> list[Depot]:
    # About three crews per depot, never fewer than the six ULP offices (if there are six crews).
    n = max(1, min(len(TOWNS), max(min(6, n_crews), round(n_crews / 3))))
    depots = []
    for short, town in _ULP_ORDER:
        t = _TOWN[town]
        # The office stands on a main road a little off the kecamatan centre.
        depots.append(Depot(f"ULP {short}", short, town, round(t.lat + 0.0012, 6), round(t.lon - 0.0015, 6)))
    used = {town for _, town in _ULP_ORDER}
    for t in sorted(TOWNS, key=lambda t: -t.population_k):
        if t.name not in used:
            depots.append(Depot(f"Posko {t.name}", t.name, t.name, round(t.lat - 0.001, 6), round(t.lon + 0.001, 6)))
    return depots[:n]


def _crews(rng: random.Random, n_crews: int, depots: list[Depot]) -> list[Row]:
    crews: list[Row] = []
    per_depot: dict[str, int] = {}
    width = max(2, len(str(n_crews)))
    members_total = 3 * n_crews
    mwidth = max(3, len(str(members_total)))
    next_member = 1
    for i in range(n_crews):
        depot = depots[i % len(depots)]
        k = per_depot[depot.name] = per_depot.get(depot.name, 0) + 1
        mv = i % 2 == 0 or _is_night(n_crews, i)  # about half the crews are MV-qualified
        skills = ["lv"] + (["mv"] if mv else []) + (["ppe"] if i % 4 == 1 else [])
        # MV gear and PPE kits need a car; some two-person LV crews ride motorcycles.
        vehicle = "motorcycle" if not mv and "ppe" not in skills and i % 4 == 3 else "car"
        n_members = 3 if mv or "ppe" in skills else 2
        members = [f"M{next_member + j:0{mwidth}d}" for j in range(n_members)]
        next_member += n_members
        end_lat = end_lon = ""
        if n_crews >= 5 and i % 12 in (4, 9):
            # This crew parks overnight at the posko of the nearest other kecamatan.
            t = _TOWN[depot.town]
            other = min((o for o in TOWNS if o.name != t.name), key=lambda o: _distance_km(t.lat, t.lon, o.lat, o.lon))
            end_lat, end_lon = f"{other.lat - 0.001:.6f}", f"{other.lon + 0.001:.6f}"
        crews.append(
            {
                "crew_id": f"C{i + 1:0{width}d}",
                "name": f"Yantek {depot.short} {k}",
                "depot_lat": f"{depot.lat:.6f}",
                "depot_lon": f"{depot.lon:.6f}",
                "end_lat": end_lat,
                "end_lon": end_lon,
                "skills": ";".join(skills),
                "vehicle": vehicle,
                "members": ";".join(members),
            }
        )
    return crews


def _is_night(n_crews: int, i: int) -> bool:
    """One crew in twelve stands by through the night (the last one, in a small fleet)."""
    return i % 12 == 11 or (3 <= n_crews < 12 and i == n_crews - 1)


def _shifts(n_crews: int, crews: list[Row], day: date, days: int) -> list[Row]:
    """Shifts for ``days`` dates from ``day``: everyone works ``day``; rest days vary per crew."""
    rows: list[Row] = []
    for i, crew in enumerate(crews):
        night = _is_night(n_crews, i)
        # Standby crews sit out normal plans; storm mode calls them in. Not the only crew of a depot.
        standby = night or (i % 24 == 8 and n_crews >= 10)
        rest = {1 + (i * 5) % 6} | ({1 + (i * 5 + 3) % 6} if i % 4 == 3 else set())
        for d in range(days):
            if d in rest:
                continue
            on = day + timedelta(days=d)
            friday, saturday = on.weekday() == 4, on.weekday() == 5
            brk: tuple[str, str, str] = ("11:30", "13:30", "60")
            if night:
                start, end, brk = "22:00", "06:00", ("", "", "")  # standby through the night, no break
            elif i % 12 == 7:
                start, end, brk = "13:00", "21:00", ("17:45", "19:00", "30")  # afternoon shift: Maghrib and a meal
            elif saturday and i % 3 == 0:
                start, end, brk = "07:00", "13:00", ("", "", "")  # half day, no break
            else:
                start, end = ("07:00", "15:00") if i % 3 == 0 else ("08:00", "16:00")
                if friday:
                    brk = ("11:30", "13:00", "60")  # Friday prayer
            rows.append(
                {
                    "crew_id": crew["crew_id"],
                    "date": on.isoformat(),
                    "start": start,
                    "end": end,
                    "break_start": brk[0],
                    "break_end": brk[1],
                    "break_min": brk[2],
                    "standby": "true" if standby else "false",
                }
            )
    return rows


# --------------------------------------------------------------------------------------------- region


POLICY_TOML = """\
# Dispatch policy for the sample region (UP3 Cirebon). Every key is optional: a missing key keeps
# the default in dispatch/policy.py, an unknown key is an error. Load with Policy.load("dispatch.toml").

[region]
name = "UP3 Cirebon (sample)"
timezone = "Asia/Jakarta"

[exposure]
# Per-shift caps for each crew member: homes entered, and weighted minutes spent inside homes.
max_homes_per_shift = 8
max_exposure_min_per_shift = 180.0
# Minutes inside a suspected / isolating household count this many times.
suspected_multiplier = 2.0
isolating_multiplier = 4.0
# After entering an isolating household a crew enters no further homes that shift.
isolating_ends_home_entries = true
# Rolling caps per worker over the last rolling_days days.
max_exposure_min_7d = 900.0
max_homes_7d = 40
rolling_days = 7
# A crew below this many available members does not go out.
min_crew_members = 2
cohort_cooling_off_days = 14

[travel]
# Road distance = straight line x circuity; speeds outside congested zones (zones.geojson sets its own).
circuity = 1.35
car_speed_kmh = 30.0
motorcycle_speed_kmh = 36.0

[response]
# A ticket of these priorities still within its response target when a plan or re-plan starts is an
# emergency: it outranks every other ticket (older ones already past their target included), goes to
# the crew that reaches it first, and keeps that rank once dispatched.
emergency_priorities = [1]
# An emergency's waiting counts like an outage of this many customers.
emergency_customers = 100

[response.target_hours]
# Report-to-arrival targets per priority class.
1 = 3.0
2 = 8.0
3 = 24.0
4 = 72.0

[category]
# Share of an indoor visit's service time spent inside the home.
indoor_share = 0.6

# Defaults by category, used where a ticket row leaves the field empty.
[category.priority]
line_down = 1
pole = 1
no_power = 2
tree = 2
voltage = 2
partial_power = 3
meter = 4
other = 4

[category.service_min]
line_down = 60
pole = 90
no_power = 45
tree = 60
voltage = 40
partial_power = 40
meter = 25
other = 30

[category.indoor]
line_down = false
pole = false
no_power = true
tree = false
voltage = true
partial_power = true
meter = true
other = true

[category.skills]
line_down = ["mv"]
pole = ["mv"]

[solver]
time_limit_s = 30.0
travel_time_weight = 1
# Cost per customer-second waited: big, urgent outages are reached early.
wait_weight = 1
# How many priority n+1 tickets one priority n ticket outweighs.
priority_ratio = 1000
# Larger plans are split by depot.
max_tickets_per_solve = 1500

[storm]
# Storm mode: with enabled = true the standby crews of shifts.csv are called in (call_standby).
enabled = false
call_standby = true
"""


@dataclass
class SampleRegion:
    """Rows of the five sample files, as they are written (all values are CSV text)."""

    day: date
    seed: int
    depots: list[Depot]
    tickets: list[Row]
    crews: list[Row]
    shifts: list[Row]
    zones: dict = field(default_factory=dict)  # GeoJSON FeatureCollection
    policy_toml: str = POLICY_TOML

    def write(self, out_dir: Path) -> list[Path]:
        """Write tickets.csv, crews.csv, shifts.csv, zones.geojson and dispatch.toml; return their paths."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = [
            _write_csv(out_dir / "tickets.csv", TICKET_COLUMNS, self.tickets),
            _write_csv(out_dir / "crews.csv", CREW_COLUMNS, self.crews),
            _write_csv(out_dir / "shifts.csv", SHIFT_COLUMNS, self.shifts),
        ]
        zones = out_dir / "zones.geojson"
        zones.write_text(json.dumps(self.zones, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        toml = out_dir / "dispatch.toml"
        toml.write_text(self.policy_toml, encoding="utf-8")
        return [*paths, zones, toml]


def _write_csv(path: Path, columns: Sequence[str], rows: list[Row]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _number(tickets: list[Row], prefix: str) -> None:
    """Ticket ids in order of report, as a call centre numbers them."""
    tickets.sort(key=lambda r: (r["reported_at"], r["lat"], r["lon"]))
    for k, row in enumerate(tickets, start=1):
        row["ticket_id"] = f"{prefix}-{k:06d}"


def generate_region(
    *, n_tickets: int = 300, n_crews: int = 12, day: date, seed: int = 7, shift_days: int = 7
) -> SampleRegion:
    """A whole synthetic region for planning ``day``: tickets reported in the two days before it,
    crews at ULP offices / posko, shifts for ``shift_days`` dates from ``day``, and zones."""
    if n_tickets < 0 or n_crews < 1 or shift_days < 1:
        raise ValueError("need n_tickets >= 0, n_crews >= 1 and shift_days >= 1")
    rng = random.Random(seed)
    report_from = _day_start(day) - timedelta(days=2)
    report_hours = 45.0  # up to 21:00 the evening before, when the plan is made

    n_critical = min(len(_FACILITIES), max(3, round(n_tickets * 0.025)), n_tickets)
    n_pairs = min(max(2, round(n_tickets * 0.015)), (n_tickets - n_critical) // 4)
    n_base = n_tickets - n_critical - n_pairs
    weights = [t.population_k for t in TOWNS]

    tickets: list[Row] = []
    for town in rng.choices(TOWNS, weights=weights, k=n_base):
        lat, lon = _point_near(rng, town.lat, town.lon, town.sigma_km, 4 * town.sigma_km)
        category = _pick(rng, CATEGORY_WEIGHTS)
        tickets.append(_ticket(rng, category=category, lat=lat, lon=lon,
                               reported_at=_reported_at(rng, report_from, report_hours)))  # fmt: skip

    # Some tickets are dropped into zones so a plan shows their effect (closed, riskier).
    movable = [i for i, r in enumerate(tickets) if r["category"] in _INDOOR_CATEGORIES]
    chosen = iter(rng.sample(movable, len(movable)))
    for spec in _zone_specs(day):
        for _ in range(max(1, round(spec.tickets_per_300 * n_tickets / 300)) if spec.tickets_per_300 else 0):
            i = next(chosen, None)
            if i is None:
                break
            lat, lon = _point_in(rng, spec.geometry)
            _relocate(rng, tickets[i], lat, lon, _TOWN[spec.town], spec.village)

    # A second report from the same transformer: a neighbour calls about the same outage.
    sources = [r for r in tickets if r["skills"].startswith("mv") and r["category"] in ("no_power", "line_down")]
    for src in rng.sample(sources, min(n_pairs, len(sources))):
        dlat, dlon = _km_to_deg(float(src["lat"]), rng.uniform(-0.12, 0.12), rng.uniform(-0.12, 0.12))
        lat, lon = float(src["lat"]) + dlat, float(src["lon"]) + dlon
        if not on_land(lat, lon):
            lat, lon = float(src["lat"]), float(src["lon"])
        later = datetime.fromisoformat(src["reported_at"]) + timedelta(minutes=rng.randint(5, 90))
        row = _ticket(rng, category=rng.choice(("no_power", "no_power", "partial_power")), lat=lat, lon=lon,
                      reported_at=later, windows=False)  # fmt: skip
        row["transformer_id"] = src["transformer_id"]
        row["customers_affected"] = src["customers_affected"] if row["category"] == "no_power" else "1"
        row["skills"] = "mv" if row["category"] == "no_power" else ""
        tickets.append(row)
    while len(tickets) < n_tickets - n_critical:  # too few sources for all pairs: plain tickets instead
        town = rng.choices(TOWNS, weights=weights)[0]
        lat, lon = _point_near(rng, town.lat, town.lon, town.sigma_km, 4 * town.sigma_km)
        tickets.append(_ticket(rng, category=_pick(rng, CATEGORY_WEIGHTS), lat=lat, lon=lon,
                               reported_at=_reported_at(rng, report_from, report_hours)))  # fmt: skip

    for name, town_name, village, street, lat, lon, phone in _FACILITIES[:n_critical]:
        town = _TOWN[town_name]
        row = _ticket(rng, category=rng.choice(("no_power", "no_power", "partial_power", "voltage")), lat=lat, lon=lon,
                      reported_at=_reported_at(rng, report_from, report_hours), windows=False)  # fmt: skip
        kind = "Kel." if town.urban else "Desa"
        row.update(
            address=f"{street}, {kind} {village}, Kec. {town.name}, {town.area}",
            customer_name=name,
            phone=phone,
            priority="1",
            critical_facility="true",
            customers_affected="1",
            household_risk="none",
            skills="",
            indoor="",
        )
        tickets.append(row)

    _number(tickets, f"CRB-{day.year}")
    depots = _depots(n_crews)
    crews = _crews(rng, n_crews, depots)
    return SampleRegion(
        day=day,
        seed=seed,
        depots=depots,
        tickets=tickets,
        crews=crews,
        shifts=_shifts(n_crews, crews, day, shift_days),
        zones=_zones_geojson(_zone_specs(day)),
    )


def surge_tickets(
    *,
    n: int,
    around: tuple[float, float] | None,
    radius_km: float,
    day: date,
    seed: int,
    id_prefix: str,
) -> list[Row]:
    """Extra ticket rows from a storm the evening before ``day`` (15:00-24:00), clustered around
    ``around`` (lat, lon) within ``radius_km``; ``None`` picks a town by population.

    Storm tickets are mostly network faults (trees, lines down, whole transformers out) and carry no
    time windows. Ids are ``{id_prefix}-000001`` ... in order of report.
    """
    if n < 0 or radius_km <= 0:
        raise ValueError("need n >= 0 and radius_km > 0")
    rng = random.Random(seed)
    if around is None:
        town = rng.choices(TOWNS, weights=[t.population_k for t in TOWNS])[0]
        around = (town.lat, town.lon)
    if not on_land(*around):
        raise ValueError(f"storm centre {around} is not on land inside the region")
    start = _day_start(day) - timedelta(hours=9)
    rows = []
    for _ in range(n):
        lat, lon = _point_near(rng, around[0], around[1], radius_km / 2, radius_km)
        category = _pick(rng, _STORM_WEIGHTS)
        rows.append(_ticket(rng, category=category, lat=lat, lon=lon, reported_at=_reported_at(rng, start, 9.0),
                            storm=True, windows=False))  # fmt: skip
    _number(rows, id_prefix)
    return rows


# --------------------------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dispatch.sample", description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--crews", type=int, default=12)
    parser.add_argument("--date", type=date.fromisoformat, required=True, help="planned date, YYYY-MM-DD")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=7, help="dates with shifts, from --date")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    region = generate_region(n_tickets=args.tickets, n_crews=args.crews, day=args.date, seed=args.seed,
                             shift_days=args.days)  # fmt: skip
    counts = {
        "tickets.csv": f"{len(region.tickets)} tickets",
        "crews.csv": f"{len(region.crews)} crews at {len(region.depots)} depots",
        "shifts.csv": f"{len(region.shifts)} shifts",
        "zones.geojson": f"{len(region.zones['features'])} zones",
        "dispatch.toml": "policy",
    }
    for path in region.write(args.out):
        print(f"wrote {path}  ({counts[path.name]})")


if __name__ == "__main__":
    main()
