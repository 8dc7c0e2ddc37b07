"""The one translation table for route sheets, and local-style dates, times and numbers.

Every word a crew or dispatcher reads on a sheet comes from ``LABELS``; both languages must
have exactly the same keys (a test checks). A household's risk is never named: sheets print the
protection to wear (a PPE level and its instruction), because they are read at the door, by
neighbours too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime, tzinfo
from typing import Any

from dispatch.core.notes import RevisionNote
from dispatch.core.plan import CrewChange, NotDone
from dispatch.core.unassigned import Displacement, UnassignedFacts
from dispatch.io.sheets.i18n_dispatcher import DISPATCHER_LABELS

LANGUAGES = ("id", "en")

LABELS: dict[str, dict[str, str]] = {
    "id": {
        # Date and number style.
        "fmt.date": "{weekday}, {day} {month} {year}",
        "fmt.time_sep": ".",
        "fmt.decimal": ",",
        "fmt.next_day": "(+1 hari)",
        "day.0": "Senin",
        "day.1": "Selasa",
        "day.2": "Rabu",
        "day.3": "Kamis",
        "day.4": "Jumat",
        "day.5": "Sabtu",
        "day.6": "Minggu",
        "month.1": "Januari",
        "month.2": "Februari",
        "month.3": "Maret",
        "month.4": "April",
        "month.5": "Mei",
        "month.6": "Juni",
        "month.7": "Juli",
        "month.8": "Agustus",
        "month.9": "September",
        "month.10": "Oktober",
        "month.11": "November",
        "month.12": "Desember",
        "unit.km": "{value} km",
        "unit.min": "{value} mnt",
        "unit.hours_min": "{hours} j {minutes} mnt",
        # Sheet headings.
        "title.crew": "Lembar Rute Regu {crew_id}",
        "title.index": "Rencana Harian Regu - Ringkasan Dispatcher",
        "label.plan": "Rencana",
        "label.revision": "revisi",
        "label.draft_warning": "PERHATIAN: rencana ini belum diterbitkan (status: {status})",
        "label.date": "Tanggal",
        "label.members": "Anggota",
        "label.vehicle": "Kendaraan",
        "label.shift": "Jam kerja",
        "label.break": "Istirahat",
        "label.no_break": "tidak ada",
        "label.map": "Peta rute",
        "label.route_qr": "QR seluruh rute (daftar koordinat berurutan)",
        "label.route_qr_part": "bagian {part}/{parts}",
        "label.stop_qr": "Pindai untuk navigasi",
        "label.navigate": "Navigasi",
        "label.stops": "Daftar kunjungan",
        "label.no_stops": "Tidak ada kunjungan untuk regu ini.",
        "label.arrival_window": "Perkiraan tiba",
        "label.planned_arrival": "rencana tiba {time}",
        "label.work": "Pekerjaan",
        "label.priority": "Prioritas {priority}",
        "label.address": "Alamat",
        "label.customer": "Pelanggan",
        "label.phone": "Telp.",
        "label.notes": "Catatan",
        "label.indoor": "DI DALAM RUMAH",
        "label.outdoor": "DI LUAR RUMAH",
        "label.ppe_level": "APD TINGKAT {level}",
        "label.tally": "Rumah dimasuki {homes} / {max_homes} - paparan {exposure} / {max_exposure}",
        "label.no_cap": "tanpa batas",
        "label.summary": "Ringkasan",
        "label.summary_line": (
            "{visits} kunjungan - rumah {homes} / {max_homes} - paparan {exposure} / {max_exposure}"
            " - {distance} - {duration}"
        ),
        "label.done": "Selesai",
        "label.done_count": "Selesai {done} / {total}",
        "label.page": "Hal. {page}/{pages}",
        "label.crews": "Regu",
        "label.unassigned": "Tiket belum terjadwal",
        "label.no_unassigned": "Semua tiket terjadwal.",
        "label.displaces": "akan menggeser {ticket_id} (P{priority}) di {crew_id}",
        "label.short_of": "kurang sekitar {hours} jam-regu untuk melayani semua P{priority}",
        "label.reason": "Alasan",
        "label.ticket": "Tiket",
        "label.legend_depot": "Posko",
        "label.legend_stop": "Kunjungan (nomor urut)",
        "label.legend_route": "Rute",
        "label.legend_risk": "Zona risiko",
        "label.legend_closed": "Zona ditutup",
        "label.legend_slow": "Zona lalu lintas lambat",
        "label.outdoor_only": "Hari ini regu ini TIDAK masuk rumah: batas paparan sudah habis",
        "label.legend_unassigned": "Belum terjadwal",
        "label.north": "U",
        # Service notes.
        "note.customers_affected": "Pelanggan terdampak: {count}",
        "note.asset_outage": "PADAM MELUAS di {asset}: {count} pelanggan menunggu pekerjaan ini; jangan masuk rumah",
        "notice.wide_outage": "Padam meluas ({outage}): petugas memperbaiki jaringan di {asset}, "
        "perkiraan tiba {start}-{end}. Listrik menyala kembali untuk semua pelanggan di wilayah ini; "
        "petugas tidak perlu datang ke rumah Anda.",
        "note.emergency": "DARURAT - bahaya dilaporkan {reported}; langsung ke lokasi",
        "note.critical_facility": "FASILITAS KRITIS - utamakan",
        "note.customer_window": "Janji dengan pelanggan: {start}-{end}",
        "note.skills": "Keahlian: {skills}",
        "note.transformer": "Gardu/trafo: {transformer}",
        "note.service_time": "Lama pekerjaan: {minutes}",
        "note.waiting": "Tunggu {minutes} sebelum mulai (jendela pelanggan)",
        "note.exposure": "Paparan kunjungan ini: {minutes}",
        # Protection: a PPE level and what to wear, never the household's condition.
        "ppe.1": "APD tingkat 1: masker dan sarung tangan",
        "ppe.2": "APD tingkat 2: masker N95, sarung tangan, pelindung mata; singkatkan waktu di dalam rumah",
        "ppe.3": (
            "APD tingkat 3: APD lengkap (masker N95, pelindung mata, baju pelindung, sarung tangan); "
            "waktu di dalam rumah sesingkat mungkin"
        ),
        "note.last_home_entry": "Setelah kunjungan ini, regu tidak masuk rumah lagi pada shift ini",
        "label.already_done": "SUDAH SELESAI",
        "label.under_way": "SEDANG DIKERJAKAN",
        # The crew service (dispatch serve): the phone page.
        "serve.title": "Regu {crew_id}",
        "serve.on_the_way": "Berangkat",
        "serve.arrived": "Tiba",
        "serve.done": "Selesai",
        "serve.not_done": "Tidak selesai",
        "serve.reason.not_home": "Tidak ada orang",
        "serve.reason.unsafe": "Tidak aman",
        "serve.reason.needs_skill": "Perlu keahlian lain",
        "serve.reason.needs_material": "Perlu material",
        "serve.entered_home": "Masuk ke dalam rumah",
        "serve.in_home_min": "Menit di dalam rumah",
        "serve.send_position": "Kirim posisi",
        "serve.send": "Kirim",
        "serve.cancel": "Batal",
        "serve.call": "Telepon",
        "serve.status.on_the_way": "Dalam perjalanan {time}",
        "serve.status.arrived": "Di lokasi sejak {time}",
        "serve.status.done": "Selesai {time}",
        "serve.status.not_done": "Tidak selesai {time}: {reason}",
        "serve.queue": "{count} laporan menunggu dikirim",
        "serve.synced": "Semua laporan terkirim",
        "serve.offline": "Tanpa sinyal: laporan disimpan di ponsel ini dan dikirim nanti",
        "serve.revision": "Rencana baru (revisi {version}): {changes}",
        "serve.change.added": "{count} kunjungan ditambahkan",
        "serve.change.added_one": "1 kunjungan ditambahkan",
        "serve.change.moved_out": "{ticket} dipindah ke {crew}",
        "serve.change.moved_in": "{ticket} diambil alih dari {crew}",
        "serve.change.dropped": "{ticket} dibatalkan",
        "serve.change.reordered": "urutan diubah",
        "serve.change.retimed": "{count} jam kunjungan berubah",
        "serve.change.retimed_one": "1 jam kunjungan berubah",
        "serve.change.none": "tidak ada perubahan untuk regu ini",
        "serve.refused": "Ditolak: {ticket} - {why}",
        "serve.problem.invalid": "laporan tidak lengkap",
        "serve.problem.future": "jam laporan di masa depan, periksa jam ponsel",
        "serve.problem.closed": "tiket sudah ditutup",
        "serve.problem.conflict": "nomor laporan sudah dipakai",
        "serve.problem.other": "laporan ditolak",
        "serve.problem.not_your_stop": "bukan kunjungan regu ini",
        "serve.link_invalid": "Tautan ini tidak berlaku lagi: minta tautan baru ke dispatcher",
        "serve.no_plan": "Belum ada rencana terbit untuk regu ini pada hari ini",
        "note.overtime": "LEMBUR {minutes} menit disetujui; shift berakhir {end}",
        # Values.
        "vehicle.car": "Mobil",
        "vehicle.motorcycle": "Sepeda motor",
        "category.no_power": "Padam total",
        "category.partial_power": "Padam sebagian",
        "category.meter": "Meter",
        "category.line_down": "Kabel putus/jatuh",
        "category.pole": "Tiang",
        "category.tree": "Pohon",
        "category.voltage": "Tegangan tidak normal",
        "category.other": "Lainnya",
        "category.asset_outage": "Padam meluas - pekerjaan di aset jaringan",
        "reason.no_skilled_crew": "Tidak ada regu dengan keahlian yang diperlukan",
        "reason.home_entry_barred": "Semua regu yang mampu dilarang masuk rumah",
        "reason.exposure_cap": "Batas paparan regu tercapai",
        "reason.home_cap": "Batas jumlah rumah tercapai",
        "reason.capacity": "Kapasitas regu habis",
        "reason.window_unreachable": "Jendela waktu pelanggan tidak terjangkau",
        "reason.shift_too_short": "Jam kerja terlalu pendek",
        "reason.crowded_out": "Kalah prioritas dengan tiket lain",
        "reason.unknown": "Alasan lain",
        "reason.zone_closed": "Di dalam zona tertutup",
        "reason.no_crew_on_shift": "Tidak ada regu yang bertugas",
        "reason.unconfirmed": "Kunjungan kemarin tidak dilaporkan; direncanakan lagi",
        "reason.not_home": "Dilaporkan: tidak ada orang",
        "reason.unsafe": "Dilaporkan: tidak aman",
        "reason.escalated": "Dilaporkan: dieskalasi",
        "reason.needs_skill": "Dilaporkan: perlu keahlian lain",
        "reason.needs_material": "Dilaporkan: perlu material",
        # HTML only.
        "html.offline_note": "Halaman ini bekerja tanpa sinyal. Centang disimpan di perangkat ini.",
    },
    "en": {
        "fmt.date": "{weekday} {day} {month} {year}",
        "fmt.time_sep": ":",
        "fmt.decimal": ".",
        "fmt.next_day": "(+1 day)",
        "day.0": "Monday",
        "day.1": "Tuesday",
        "day.2": "Wednesday",
        "day.3": "Thursday",
        "day.4": "Friday",
        "day.5": "Saturday",
        "day.6": "Sunday",
        "month.1": "January",
        "month.2": "February",
        "month.3": "March",
        "month.4": "April",
        "month.5": "May",
        "month.6": "June",
        "month.7": "July",
        "month.8": "August",
        "month.9": "September",
        "month.10": "October",
        "month.11": "November",
        "month.12": "December",
        "unit.km": "{value} km",
        "unit.min": "{value} min",
        "unit.hours_min": "{hours} h {minutes} min",
        "title.crew": "Route Sheet Crew {crew_id}",
        "title.index": "Daily Crew Plan - Dispatcher Summary",
        "label.plan": "Plan",
        "label.revision": "revision",
        "label.draft_warning": "WARNING: this plan is not published (status: {status})",
        "label.date": "Date",
        "label.members": "Members",
        "label.vehicle": "Vehicle",
        "label.shift": "Shift",
        "label.break": "Break",
        "label.no_break": "none",
        "label.map": "Route map",
        "label.route_qr": "Whole-route QR (ordered list of coordinates)",
        "label.route_qr_part": "part {part}/{parts}",
        "label.stop_qr": "Scan to navigate",
        "label.navigate": "Navigate",
        "label.stops": "Stops",
        "label.no_stops": "No stops for this crew.",
        "label.arrival_window": "Arrival window",
        "label.planned_arrival": "planned arrival {time}",
        "label.work": "Work",
        "label.priority": "Priority {priority}",
        "label.address": "Address",
        "label.customer": "Customer",
        "label.phone": "Phone",
        "label.notes": "Notes",
        "label.indoor": "INDOOR",
        "label.outdoor": "OUTDOOR",
        "label.ppe_level": "PPE LEVEL {level}",
        "label.tally": "Homes entered {homes} / {max_homes} - exposure {exposure} / {max_exposure}",
        "label.no_cap": "no cap",
        "label.summary": "Summary",
        "label.summary_line": (
            "{visits} stops - homes {homes} / {max_homes} - exposure {exposure} / {max_exposure}"
            " - {distance} - {duration}"
        ),
        "label.done": "Done",
        "label.done_count": "Done {done} / {total}",
        "label.page": "Page {page}/{pages}",
        "label.crews": "Crews",
        "label.unassigned": "Unassigned tickets",
        "label.no_unassigned": "All tickets assigned.",
        "label.displaces": "would displace {ticket_id} (P{priority}) on {crew_id}",
        "label.short_of": "about {hours} crew-hours short of serving every P{priority}",
        "label.reason": "Reason",
        "label.ticket": "Ticket",
        "label.legend_depot": "Depot",
        "label.legend_stop": "Stop (sequence number)",
        "label.legend_route": "Route",
        "label.legend_risk": "Risk zone",
        "label.legend_closed": "Closed zone",
        "label.legend_slow": "Slow traffic zone",
        "label.outdoor_only": "This crew does NOT enter homes today: exposure budget spent",
        "label.legend_unassigned": "Unassigned",
        "label.north": "N",
        "note.customers_affected": "Customers affected: {count}",
        "note.asset_outage": "WIDE OUTAGE at {asset}: {count} customers wait on this job; no home entries",
        "notice.wide_outage": "Wide outage ({outage}): a crew repairs the network at {asset}, expected "
        "{start}-{end}. Power comes back for every customer in the area; no visit to your home is needed.",
        "note.emergency": "EMERGENCY - hazard reported {reported}; go straight there",
        "note.critical_facility": "CRITICAL FACILITY - give priority",
        "note.customer_window": "Customer appointment: {start}-{end}",
        "note.skills": "Skills: {skills}",
        "note.transformer": "Substation/transformer: {transformer}",
        "note.service_time": "Work time: {minutes}",
        "note.waiting": "Wait {minutes} before starting (customer window)",
        "note.exposure": "Exposure on this visit: {minutes}",
        "ppe.1": "PPE level 1: mask and gloves",
        "ppe.2": "PPE level 2: N95 mask, gloves, eye protection; keep time inside short",
        "ppe.3": "PPE level 3: full PPE (N95 mask, eye protection, gown, gloves); as little time inside as possible",
        "note.last_home_entry": "After this visit the crew enters no more homes this shift",
        "label.already_done": "ALREADY DONE",
        "label.under_way": "UNDER WAY",
        "serve.title": "Crew {crew_id}",
        "serve.on_the_way": "On the way",
        "serve.arrived": "Arrived",
        "serve.done": "Done",
        "serve.not_done": "Not done",
        "serve.reason.not_home": "Nobody home",
        "serve.reason.unsafe": "Unsafe",
        "serve.reason.needs_skill": "Needs another skill",
        "serve.reason.needs_material": "Needs material",
        "serve.entered_home": "Entered the home",
        "serve.in_home_min": "Minutes inside",
        "serve.send_position": "Send position",
        "serve.send": "Send",
        "serve.cancel": "Cancel",
        "serve.call": "Call",
        "serve.status.on_the_way": "On the way {time}",
        "serve.status.arrived": "On site since {time}",
        "serve.status.done": "Done {time}",
        "serve.status.not_done": "Not done {time}: {reason}",
        "serve.queue": "{count} reports waiting to be sent",
        "serve.synced": "All reports sent",
        "serve.offline": "No signal: reports are kept on this phone and sent later",
        "serve.revision": "New plan (revision {version}): {changes}",
        "serve.change.added": "{count} stops added",
        "serve.change.added_one": "1 stop added",
        "serve.change.moved_out": "{ticket} moved to {crew}",
        "serve.change.moved_in": "{ticket} taken over from {crew}",
        "serve.change.dropped": "{ticket} taken off",
        "serve.change.reordered": "order changed",
        "serve.change.retimed": "{count} stop times changed",
        "serve.change.retimed_one": "1 stop time changed",
        "serve.change.none": "no change for this crew",
        "serve.refused": "Refused: {ticket} - {why}",
        "serve.problem.invalid": "report incomplete",
        "serve.problem.future": "report time is in the future, check the phone's clock",
        "serve.problem.closed": "ticket already closed",
        "serve.problem.conflict": "report number already used",
        "serve.problem.other": "report refused",
        "serve.problem.not_your_stop": "not a stop of this crew",
        "serve.link_invalid": "This link no longer works: ask the dispatcher for a new one",
        "serve.no_plan": "No published plan for this crew today yet",
        "note.overtime": "OVERTIME {minutes} min authorised; shift ends {end}",
        "vehicle.car": "Car",
        "vehicle.motorcycle": "Motorcycle",
        "category.no_power": "No power",
        "category.partial_power": "Partial power",
        "category.meter": "Meter",
        "category.line_down": "Line down",
        "category.pole": "Pole",
        "category.tree": "Tree",
        "category.voltage": "Abnormal voltage",
        "category.other": "Other",
        "category.asset_outage": "Wide outage - job at the network asset",
        "reason.no_skilled_crew": "No crew has the required skills",
        "reason.home_entry_barred": "Every able crew is barred from entering homes",
        "reason.exposure_cap": "Crew exposure cap reached",
        "reason.home_cap": "Homes-entered cap reached",
        "reason.capacity": "No crew capacity left",
        "reason.window_unreachable": "Customer time window cannot be reached",
        "reason.shift_too_short": "Shift too short",
        "reason.crowded_out": "Crowded out by more urgent tickets",
        "reason.unknown": "Other reason",
        "reason.zone_closed": "Inside a closed zone",
        "reason.no_crew_on_shift": "No crew on shift",
        "reason.unconfirmed": "Yesterday's visit was never reported; planned again",
        "reason.not_home": "Reported: nobody home",
        "reason.unsafe": "Reported: unsafe",
        "reason.escalated": "Reported: escalated",
        "reason.needs_skill": "Reported: needs another skill",
        "reason.needs_material": "Reported: needs material",
        "html.offline_note": "This page works without signal. Ticks are kept on this device.",
    },
}
for _lang in LANGUAGES:  # the dispatcher's terminal: one table with the sheets' labels
    LABELS[_lang].update(DISPATCHER_LABELS[_lang])


# Unassigned reasons whose explanation names no value: worded from the reason alone.
_WORDED_WITHOUT_VALUES = frozenset({"no_crew_on_shift"})


class Labels:
    """Translated labels and local-style formatting for one language and time zone."""

    def __init__(self, lang: str, tz: tzinfo) -> None:
        if lang not in LABELS:
            raise ValueError(f"lang: unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
        self.lang = lang
        self.tz = tz
        self._table = LABELS[lang]

    def __call__(self, key: str, **values: Any) -> str:
        text = self._table[key]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._table

    def date(self, day: date) -> str:
        return self("fmt.date").format(
            weekday=self(f"day.{day.weekday()}"), day=day.day, month=self(f"month.{day.month}"), year=day.year
        )

    def time(self, moment: datetime, *, day: date | None = None) -> str:
        """24-hour local time; marks a time that falls after ``day`` (a shift past midnight)."""
        local = moment.astimezone(self.tz)
        text = f"{local.hour:02d}{self('fmt.time_sep')}{local.minute:02d}"
        if day is not None and local.date() > day:
            text += " " + self("fmt.next_day")
        return text

    def span(self, start: datetime, end: datetime, *, day: date | None = None) -> str:
        return f"{self.time(start, day=day)}-{self.time(end, day=day)}"

    def number(self, value: float, *, digits: int = 0) -> str:
        text = f"{value:.{digits}f}"
        return text.replace(".", self("fmt.decimal")) if digits else text

    def km(self, metres: float) -> str:
        return self("unit.km", value=self.number(metres / 1000, digits=1))

    def minutes(self, minutes: float) -> str:
        return self("unit.min", value=self.number(round(minutes)))

    def duration(self, seconds: float) -> str:
        total = round(seconds / 60)
        return self("unit.hours_min", hours=total // 60, minutes=total % 60)

    def category(self, category: str) -> str:
        key = f"category.{category}"
        return self(key) if self.has(key) else str(category)

    def short_of(self, short_crew_hours: Mapping[int, float]) -> str | None:
        """How short the day is, for the most urgent priority it falls short of (None: nothing crowded out)."""
        for priority in sorted(short_crew_hours):
            hours = short_crew_hours[priority]
            if hours > 0:
                digits = 0 if hours >= 10 else 1
                return self("label.short_of", hours=self.number(hours, digits=digits), priority=priority)
        return None

    def reason(self, reason: str) -> str:
        key = f"reason.{reason}"
        return self(key) if self.has(key) else f"{self('reason.unknown')} ({reason})"

    def status(self, status: str) -> str:
        key = f"view.status.{status}"
        return self(key) if self.has(key) else status

    def crew_change(self, change: CrewChange) -> str:
        """What a re-plan changed on one crew's stops, from the change's own lists (its ``summary`` is the
        English sentence the plan JSON keeps)."""
        parts = [self("change.added", n=len(change.added))] if change.added else []
        parts += [self("change.moved_from", n=n, crew=c) for c, n in sorted(Counter(change.moved_in.values()).items())]
        parts += [self("change.moved_to", n=n, crew=c) for c, n in sorted(Counter(change.moved_out.values()).items())]
        if change.dropped:
            parts.append(self("change.dropped", n=len(change.dropped)))
        if change.reordered:
            parts.append(self("change.reordered", n=change.reordered))
        if change.retimed:
            parts.append(self("change.retimed", n=change.retimed))
        return ", ".join(parts) if parts else self("change.none")

    def note(self, note: RevisionNote) -> str:
        """A re-plan's note to the dispatcher, worded from its kind and values (dispatch.core.notes)."""
        when = self.time(note.time) if note.time is not None else ""
        return self(
            f"note.{note.kind.value}",
            crew=note.crew_id or "",
            time=when,
            count=note.count if note.count is not None else "",
            tickets=", ".join(note.tickets),
            text=note.text or "",
        )

    def not_done(self, n: NotDone) -> str:
        """A stop reported not done today and what the re-plan did with it, worded from its record."""
        key = {"next_day": "detail.not_done.next_day", "flagged": "detail.not_done.flagged"}.get(n.action)
        if key is None:
            key = "detail.not_done.unplaced" if n.crew_now is None else "detail.not_done.reoffered"
            if n.crew_now is not None and n.skills:
                key = "detail.not_done.reoffered_skill"
        return self(key, reason=self.reason(n.reason), crew_id=n.crew_id, time=self.time(n.reported_at),
                    crew_now=n.crew_now or "", skills=", ".join(n.skills), excluded=", ".join(n.excluded))  # fmt: skip

    def words_unassigned(self, reason: str, facts: UnassignedFacts | None, not_done: NotDone | None = None) -> bool:
        """Whether :meth:`unassigned_detail` words this explanation in this language (else it is the plan's
        English sentence: a plan saved before its values were kept)."""
        return not_done is not None or facts is not None or reason in _WORDED_WITHOUT_VALUES

    def unassigned_detail(
        self,
        reason: str,
        detail: str,
        facts: UnassignedFacts | None,
        displaces: Displacement | None,
        not_done: NotDone | None = None,
    ) -> str:
        """Why a ticket is unassigned, in this language: from its not-done record if it was reported not done
        today, else worded from the values the solver named (``facts``), with what would give way for it;
        else the plan's English sentence ``detail`` (it names that itself)."""
        if not_done is not None:
            return self.not_done(not_done)
        f = facts
        key = f"detail.{reason}"
        if f is not None and reason == "exposure_cap" and f.cap_minutes is not None:
            key += "_alone"
        if f is not None and reason == "window_unreachable" and not f.windows:
            key += "_no_window"
        if f is not None and reason == "crowded_out" and f.at is None:
            key += "_set_aside"  # a part of the day set aside: the crews named got the more urgent work
        if f is None and reason in _WORDED_WITHOUT_VALUES:
            return self(key)
        if f is None or not self.has(key):
            return detail
        more = " ..." if (f.count or 0) > len(f.crews) else ""
        text = self(
            key,
            skills=", ".join(f.skills) or "-",
            crews=", ".join(f.crews) + more,
            crew=f.crews[0] if f.crews else "-",
            count=f.count if f.count is not None else "",
            minutes=f.minutes if f.minutes is not None else "",
            cap_minutes=f.cap_minutes if f.cap_minutes is not None else "",
            demand=f.demand if f.demand is not None else "",
            windows=", ".join(self.span(a, b) for a, b in f.windows),
            at=self.time(f.at) if f.at is not None else "-",
            zone=f.zone or "-",
        )
        if displaces is not None:
            text += "; " + self("label.displaces", **asdict(displaces))
        return text

    def vehicle(self, vehicle: str) -> str:
        key = f"vehicle.{vehicle}"
        return self(key) if self.has(key) else str(vehicle)
