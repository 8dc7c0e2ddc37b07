"""Generated tickets: categories, customers, addresses and report times as a UP3 sees them."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta

from dispatch.sample.columns import Row
from dispatch.sample.geography import _IDM, _KAB, _KNG, _KOTA, _MJL, TZ, Town, _nearest_town

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
