"""The translation table's part for the dispatcher's terminal: the crew-service commands, re-plans, the
plan and re-plan views, what-if answers. Merged into :data:`dispatch.io.sheets.i18n.LABELS` (one table;
a test checks both languages have the same keys)."""

from __future__ import annotations

DISPATCHER_LABELS: dict[str, dict[str, str]] = {
    "id": {
        # The crew service: the dispatcher's commands.
        "cli.links_title": "Tautan regu untuk {date}",
        "cli.col_crew": "regu",
        "cli.col_link": "tautan",
        "cli.col_until": "berlaku sampai",
        "cli.link_reissued": "Tautan baru regu {crew_id} (yang lama dicabut), berlaku sampai {until}: {url}",
        "cli.serving": "Melayani halaman regu di {url} (basis data {database}); Ctrl-C untuk berhenti",
        "cli.no_shift_day": "--date {day}: tidak ada regu yang punya shift pada hari itu; impor shift dulu",
        "cli.shifts_over": "--date {day}: semua shift hari itu sudah selesai",
        "cli.no_crew": "--revoke {crew_id}: tidak ada regu {crew_id}",
        "cli.crew_no_shift": "--revoke {crew_id}: regu {crew_id} tidak punya shift pada {day}",
        "cli.shift_ended": "--revoke {crew_id}: shift {day} sudah selesai pukul {end}",
        "cli.base_url_required": "--base-url (atau $DISPATCH_BASE_URL) wajib: alamat dispatch serve bagi regu",
        "cli.base_url_scheme": "--base-url: {url!r} tidak diawali http:// atau https://",
        # Re-plans, ETAs and the nightly close of the day.
        "detail.not_done.reoffered": "{reason} oleh {crew_id} pukul {time}; ditawarkan lagi hari ini ke {crew_now}",
        "detail.not_done.reoffered_skill": (
            "{reason} oleh {crew_id} pukul {time}; ditawarkan lagi hari ini ke {crew_now} "
            "(regu dengan keahlian {skills}; bukan {excluded})"
        ),
        "detail.not_done.unplaced": "{reason} oleh {crew_id} pukul {time}; ditawarkan lagi hari ini, belum dapat regu",
        "detail.not_done.next_day": "{reason} oleh {crew_id} pukul {time}; kembali terbuka untuk rencana besok",
        "detail.not_done.flagged": (
            "{reason} oleh {crew_id} pukul {time}; TIDAK ditawarkan lagi hari ini: periksa dulu (dispatcher)"
        ),
        "cli.unconfirmed": "{crew_id}: {count} kunjungan belum dikonfirmasi (tanpa laporan; tetap pada regu ini)",
        "cli.unconfirmed_total": "{count} kunjungan sebelum {time} tanpa laporan dianggap berjalan sesuai rencana",
        "cli.unconfirmed_returned": (
            "{count} tiket dari kunjungan {day} yang tidak pernah dilaporkan kembali terbuka "
            "(alasan: belum dikonfirmasi)"
        ),
        "cli.eta_not_planned": "Tiket {ticket}: tidak direncanakan hari ini ({date}): {reason}",
        "cli.eta_not_planned_detail": "{reason} - {detail}",
        "cli.eta_planned": (
            "Tiket {ticket}: regu {crew} diperkirakan tiba {start}-{end} pada {date} "
            "({stops} kunjungan sebelumnya; rencana {plan_id} v{version})"
        ),
        "cli.eta_visited": "Tiket {ticket}: regu {crew} tiba pukul {time} ({status})",
        "cli.eta_status.done": "selesai",
        "cli.eta_status.under_way": "sedang dikerjakan",
        "cli.eta_status.unconfirmed": "belum dikonfirmasi",
        "cli.eta_asset_job": "(tiket {ticket}, pekerjaan aset {job}, rencana {plan_id} v{version})",
        "cli.eta_asset_job_why": "pekerjaan aset {job} dari padam {outage}: {detail}",
        # Wide outages (dispatch outages ...).
        "cli.outages_none": "Tidak ada padam meluas pada {date}.",
        "cli.outages_title": "Padam meluas {date}",
        "cli.outages_col.outage": "padam",
        "cli.outages_col.asset": "aset",
        "cli.outages_col.source": "sumber",
        "cli.outages_col.status": "status",
        "cli.outages_col.tickets": "tiket",
        "cli.outages_col.job": "pekerjaan aset",
        "cli.outages_col.note": "catatan",
        "outage.source.inferred": "disimpulkan",
        "outage.source.declared": "dinyatakan",
        "outage.source.planned": "terencana",
        "outage.status.open": "terbuka",
        "outage.status.confirmed": "dikonfirmasi",
        "outage.status.dismissed": "dibatalkan",
        "outage.status.restored": "menyala kembali",
        "outage.kind.transformer": "gardu/trafo",
        "outage.kind.feeder_section": "seksi penyulang",
        "cli.outage_set": "Padam {outage}: {status}.",
        "cli.outage_declared": "Padam {outage} pada {asset} ({source}).",
        "cli.outage_restored": "Padam {outage}: menyala kembali pukul {time}; {closed} tiket ditutup.",
        "cli.outage_still_dark": "Masih padam, dikunjungi ke rumah: {tickets}.",
        "cli.promise_dropped": "{crew}: kunjungan yang dijanjikan {ticket} dilepas - {reason}",
        "cli.promise_dropped_emergency": "{crew}: kunjungan DARURAT yang dijanjikan {ticket} dilepas - {reason}",
        "cli.overtime": "{crew}: lembur {minutes} menit sampai {end} untuk bahaya {tickets}",
        "cli.coverage_gap": "Peringatan: {date} pukul {start}-{end} tidak ada regu bertugas dengan keahlian {skill}",
        "cli.coverage_ok": "Cakupan keahlian {skills}: setiap jam shift {date} ada regu bertugas",
        # The dispatcher's view of a plan (plan, plan show, demo) and of a re-plan.
        "view.demo_region": "Wilayah contoh: 4 kantor ULP di sekitar Cirebon, dibawa bersama paket",
        "view.demo_imported": "diimpor {count} {what}",
        "view.demo_outputs": (
            "Hasil di {out}/: basis data dispatch.db, plan.json, dan {sheets} berkas lembar rute di {out}/sheets/ "
            "(index.html, index.pdf, satu PDF/HTML/CSV/GeoJSON per regu), ditulis dalam {seconds} detik.\n"
            "Jelajahi: DISPATCH_DATABASE_URL=sqlite:///{database} dispatch plan show --date {day}"
        ),
        "view.what.crews": "regu",
        "view.what.shifts": "shift",
        "view.what.zones": "zona",
        "view.what.tickets": "tiket",
        "view.plan": (
            "Rencana {date} versi {version} ({status}), id rencana {plan_id}: {served} dari {tickets} tiket "
            "dilayani, {used} dari {on_shift} regu dipakai, {km} km"
        ),
        "view.status.draft": "draf",
        "view.status.published": "terbit",
        "view.status.superseded": "digantikan",
        "view.routes": "Rute",
        "view.col.crew": "regu",
        "view.col.members": "anggota",
        "view.col.shift": "shift",
        "view.col.visits": "kunjungan",
        "view.col.homes": "rumah",
        "view.col.exposure": "paparan (menit)",
        "view.col.km": "km",
        "view.col.span": "pertama - terakhir",
        "view.outdoor_only": "(hanya luar ruang)",
        "view.by_priority": "Tiket per prioritas",
        "view.col.priority": "prioritas",
        "view.col.served": "dilayani",
        "view.col.unassigned": "tidak ditugaskan",
        "view.col.within_target": "dalam target respons",
        "view.idle": "Jam-regu menganggur setelah kunjungan terakhir: {hours}",
        "view.by_reason": "Tidak ditugaskan menurut alasan: {reasons}",
        "view.most_urgent": "Tidak ditugaskan paling mendesak ({n} pertama)",
        "view.col.ticket": "tiket",
        "view.col.reason": "alasan",
        "view.col.detail": "keterangan",
        "view.outages": "Padam meluas (satu pekerjaan aset masing-masing; tiketnya bukan kunjungan rumah)",
        "view.col.outage": "gangguan",
        "view.col.asset": "aset",
        "view.col.kind": "jenis",
        "view.col.customers": "pelanggan",
        "view.col.tickets": "tiket",
        "view.col.asset_job": "pekerjaan aset",
        "view.not_dispatched": "Regu {crew} tidak diberangkatkan: {reason}",
        "view.standby": "shift siaga (hanya dipanggil dalam mode badai)",
        "view.worst_exposure": (
            "Paparan terberat per pekerja: {members} dari regu {crew}, {homes} rumah, {minutes} menit tertimbang "
            "(batas {max_homes} rumah, {max_minutes} menit per shift)"
        ),
        "view.members": "anggota",
        "view.saved_draft": (
            "Disimpan sebagai rencana draf {plan_id}. Terbitkan dengan: dispatch plan publish --date {day}"
        ),
        "view.published": "Rencana {plan_id} (versi {version}) untuk {day} diterbitkan.",
        "view.revision": (
            "Revisi {version} untuk {date} per pukul {time} (rencana {plan_id}, merevisi rencana {parent}), "
            "{status}; dihitung dalam {seconds} detik, {stops} kunjungan berubah."
        ),
        "view.unchanged": "tidak berubah: {crews}",
        "view.note": "catatan: {note}",
        # Why a ticket is unassigned, from the values the solver named (dispatch.core.unassigned.UnassignedFacts),
        # worded by Labels.unassigned_detail.
        "detail.no_skilled_crew": "perlu keahlian {skills}; tidak ada regu bershift yang memiliki semuanya",
        "detail.zone_closed": "di dalam zona tertutup {zone}: tidak ada kunjungan masuk rumah di sana",
        "detail.crowded_out_set_aside": (
            "tidak direncanakan: regu {crews} dari depot ini mendapat tiket yang paling mendesak dan terdekat, "
            "sebanyak batas per regu (solver.max_tickets_per_solve); tiket ini tetap terbuka untuk rencana berikutnya"
        ),
        "detail.no_crew_on_shift": "tidak ada regu yang bertugas pada hari itu",
        "detail.home_entry_barred": (
            "masuk rumah, dan semua {count} regu dengan keahlian itu dilarang masuk rumah hari ini "
            "(batas rumah 0 atau anggaran paparan habis)"
        ),
        "detail.exposure_cap_alone": (
            "paparan tertimbang {minutes} menit melebihi batas setiap regu yang mampu (terbesar {cap_minutes} menit)"
        ),
        "detail.capacity": "kebutuhan {demand} melebihi kapasitas setiap regu",
        "detail.window_unreachable": "jendela {windows}; regu yang mampu paling awal tiba pukul {at} (regu {crew})",
        "detail.window_unreachable_no_window": (
            "tidak ada regu yang mampu tiba sebelum shiftnya berakhir; paling awal pukul {at} (regu {crew})"
        ),
        "detail.shift_too_short": (
            "sendirian pun tidak muat dalam shift mana pun; muat jika shift regu {crew} {minutes} menit lebih panjang"
        ),
        "detail.home_cap": "setiap regu yang bisa mengambilnya sudah mencapai batas rumah ({crews})",
        "detail.exposure_cap": "setiap regu yang bisa mengambilnya akan melewati batas paparan ({crews})",
        "detail.isolation_rule": (
            "setiap regu yang bisa mengambilnya sudah punya kunjungan rumah sebelumnya yang harus menjadi "
            "kunjungan rumah terakhirnya ({crews})"
        ),
        "detail.crowded_out": (
            "bisa dikerjakan sendirian (regu {crew} dapat mulai pukul {at}), tetapi waktu regu terpakai untuk "
            "pekerjaan yang lebih mendesak atau lebih dekat"
        ),
        # A re-plan's notes (dispatch.core.notes.NoteKind), worded by Labels.note.
        "note.no_time": "{crew}: waktu shift sudah habis",
        "note.back_by": "{crew}: perlu sampai pukul {time} untuk kembali ke posko",
        "note.break_dropped": "{crew}: istirahat tidak lagi muat dalam jendelanya; direncanakan tanpa istirahat",
        "note.storm_soft": "badai: {count} tenggat P1/P2 tidak dapat dipenuhi bersamaan; dijadikan lunak",
        "note.searched_again": "pencarian kembali dengan {count} kunjungan; dicari ulang",
        "note.warm_start_kept": "pencarian kembali dengan {count} kunjungan; rencana sebelumnya dipertahankan",
        "note.emergencies_first": "darurat didahulukan: {tickets} ditempatkan dengan menggeser kunjungan biasa",
        "note.backlog_first": (
            "tunggakan didahulukan: {tickets} ditempatkan dengan menggeser kunjungan yang kurang mendesak"
        ),
        "note.text": "{text}",
        "view.forecast": "Perkiraan respons P1:",
        "view.not_reached": "tidak terjangkau hari ini",
        "view.hours": "{value} jam",
        "view.target": "(target {hours})",
        "view.flag_emergency": "darurat",
        "view.flag_late": "TERLAMBAT",
        "view.rewrote": "{count} berkas lembar rute ditulis ulang di {out}/ untuk {crews}",
        "view.no_crew": "tidak ada regu",
        "change.added": "{n} ditambahkan",
        "change.moved_from": "{n} pindahan dari {crew}",
        "change.moved_to": "{n} dipindah ke {crew}",
        "change.dropped": "{n} dilepas (tidak ditugaskan atau ditutup)",
        "change.reordered": "{n} diubah urutannya",
        "change.retimed": "{n} berubah jam",
        "change.none": "tidak berubah",
        # What-if scenarios: one-line answers, which limit binds.
        "sc.instead": "{setting} {new} (sebelumnya {old})",
        "sc.served_fewer": "{n} tiket lebih sedikit dilayani",
        "sc.served_more": "{n} tiket lebih banyak dilayani",
        "sc.served_same": "jumlah tiket dilayani sama",
        "sc.wait_more": "{n} pelanggan lebih banyak menunggu",
        "sc.wait_fewer": "{n} pelanggan lebih sedikit menunggu",
        "sc.wait_same": "jumlah pelanggan menunggu sama",
        "sc.quantity.homes_per_worker_max": "rumah per petugas maks {value}",
        "sc.quantity.exposure_min_per_worker_max": "paparan tertimbang per petugas maks {value} mnt",
        "sc.quantity.crew_hours": "jam kerja regu {value}",
        "sc.limits": "batas tercapai: {items}",
        "sc.limit.home_cap": "batas rumah {n} dari {of} petugas",
        "sc.limit.exposure_cap": "batas paparan {n} dari {of} petugas",
        "sc.limit.shift_time": "jam shift {n} dari {of} regu",
        "sc.name.home_cap": "batas rumah",
        "sc.name.exposure_cap": "batas paparan tertimbang",
        "sc.name.shift_time": "jam shift",
        "sc.name.none": "tidak ada batas (tiket habis)",
        "sc.not_binding": "{limit} tidak membatasi (tak ada petugas yang mencapainya); yang membatasi: {other}",
        "sc.sweep_binds": "{limit} membatasi pada {values}",
        "sc.sweep_flat": (
            "{limit} tidak membatasi pada {values}: {other} membatasi lebih dulu, "
            "jadi garis datar di sana bukan efek nilai ini"
        ),
        "sc.coverage": "jam tanpa regu berkeahlian untuk bahaya: {gaps}",
        "sc.coverage_ok": "setiap jam shift ada regu berkeahlian untuk bahaya",
        "sc.monotone_ok": "dilayani per prioritas tidak pernah turun saat {setting} dilonggarkan satu langkah",
        "sc.monotone_falls": "dilayani per prioritas TURUN dari {setting}={old} ke {new}: {before} -> {after}",
        # What-if scenarios: the run header, the KPI table, scenario list, compare and sweep tables.
        "fmt.thousands_sep": ".",
        "sc.run_title": "Uji skenario #{id}",
        "sc.run_header": "{title} {name} pada {base_date} ({solutions} solusi, {seconds} dtk)",
        "sc.live_line": (
            "Data aktual: {base_tickets} tiket terbuka, {base_crews} regu ({base_on_shift} punya shift). "
            "Skenario: {tickets} tiket, {crews} regu ({on_shift} punya shift)."
        ),
        "sc.no_changes": "tanpa perubahan (data aktual apa adanya)",
        "sc.kpi_title": "Indikator kinerja (KPI)",
        "sc.col.kpi": "indikator",
        "sc.col.value": "nilai",
        "sc.of_served": "{value} dari {served} dilayani ({open} terbuka)",
        "sc.unassigned_reason": "tidak ditugaskan: {reason}",
        "sc.kpi.tickets": "tiket",
        "sc.kpi.served": "tiket dilayani",
        "sc.kpi.served_p1": "dilayani P1",
        "sc.kpi.served_p2": "dilayani P2",
        "sc.kpi.served_p3": "dilayani P3",
        "sc.kpi.served_p4": "dilayani P4",
        "sc.kpi.p1_within_target": "P1 dalam target respons",
        "sc.kpi.p2_within_target": "P2 dalam target respons",
        "sc.kpi.p1_response_h_mean": "rata-rata jam respons P1 (yang dilayani)",
        "sc.kpi.p2_response_h_mean": "rata-rata jam respons P2 (yang dilayani)",
        "sc.kpi.customer_minutes_waited": "menit tunggu pelanggan (yang dilayani)",
        "sc.kpi.customers_unserved": "pelanggan tidak terjangkau",
        "sc.kpi.km": "km ditempuh",
        "sc.kpi.crews_on_shift": "regu bertugas",
        "sc.kpi.crews_used": "regu terpakai",
        "sc.kpi.crews_not_dispatched": "regu tidak diberangkatkan",
        "sc.kpi.crew_hours": "jam-regu terpakai (termasuk lembur)",
        "sc.kpi.shift_hours": "jam-regu sesuai jadwal shift",
        "sc.kpi.overtime_hours": "jam lembur (lewat akhir shift terjadwal)",
        "sc.kpi.paid_hours": "jam-regu dibayar (jadwal + lembur)",
        "sc.kpi.homes_entered": "rumah dimasuki",
        "sc.kpi.homes_per_worker_max": "rumah per petugas, maks",
        "sc.kpi.homes_per_worker_mean": "rumah per petugas, rata-rata",
        "sc.kpi.exposure_min_per_worker_max": "menit paparan per petugas, maks",
        "sc.kpi.exposure_min_per_worker_mean": "menit paparan per petugas, rata-rata",
        "sc.kpi.binding.at_home_cap": "petugas di batas rumah",
        "sc.kpi.binding.at_exposure_cap": "petugas di batas paparan",
        "sc.kpi.binding.out_of_shift_time": "regu kehabisan jam shift",
        "sc.kpi.unassigned": "tidak ditugaskan",
        "sc.list_none": "Belum ada uji skenario: coba `dispatch scenario run FILE`.",
        "sc.list_title": "Uji skenario",
        "sc.col.id": "id",
        "sc.col.name": "nama",
        "sc.col.base_date": "tanggal dasar",
        "sc.col.created": "dibuat",
        "sc.col.served": "dilayani",
        "sc.col.p1_on_time": "P1 tepat waktu",
        "sc.col.km": "km",
        "sc.col.unassigned": "tidak ditugaskan",
        "sc.col.sweep": "uji rentang",
        "sc.compare_title": "Perbandingan skenario (dasar: #{id} {name})",
        "sc.different_dates": "peringatan: uji ini untuk tanggal yang berbeda ({dates})",
        "sc.chart": "Grafik: {path}",
        "sc.sweep_title": "Uji rentang {sweep}",
        "sc.col.run": "uji",
        "sc.col.served_by_priority": "dilayani P1/P2/P3/P4",
        "sc.col.customer_minutes": "menit tunggu plg",
        "sc.col.customers_unserved": "pelanggan tak terjangkau",
        "sc.col.crew_hours": "jam-regu",
        "sc.col.homes_max": "rumah/petugas maks",
        "sc.col.exposure_max": "paparan/petugas maks",
        "sc.col.at_home_cap": "di batas rumah",
        "sc.col.at_exposure_cap": "di batas paparan",
        "sc.col.out_of_shift_time": "habis jam shift",
        "sc.col.pareto": "Pareto",
        "sc.sweep_footer": "{plans} rencana dalam {seconds} dtk  pada {jobs} slot proses. CSV: {csv}  Grafik: {png}",
    },
    "en": {
        "cli.links_title": "Crew links for {date}",
        "cli.col_crew": "crew",
        "cli.col_link": "link",
        "cli.col_until": "valid until",
        "cli.link_reissued": "New link for crew {crew_id} (the old one is revoked), valid until {until}: {url}",
        "cli.serving": "Serving crew pages at {url} (database {database}); Ctrl-C to stop",
        "cli.no_shift_day": "--date {day}: no crew has a shift on that day; import shifts first",
        "cli.shifts_over": "--date {day}: every shift of that day has ended",
        "cli.no_crew": "--revoke {crew_id}: no crew {crew_id}",
        "cli.crew_no_shift": "--revoke {crew_id}: crew {crew_id} has no shift on {day}",
        "cli.shift_ended": "--revoke {crew_id}: the shift of {day} ended at {end}",
        "cli.base_url_required": "--base-url (or $DISPATCH_BASE_URL) is required: where crews reach dispatch serve",
        "cli.base_url_scheme": "--base-url: {url!r} does not start with http:// or https://",
        # Re-plans, ETAs and the nightly close of the day.
        "detail.not_done.reoffered": "{reason} by {crew_id} at {time}; offered again today to {crew_now}",
        "detail.not_done.reoffered_skill": (
            "{reason} by {crew_id} at {time}; offered again today to {crew_now} "
            "(a crew with skill {skills}; not {excluded})"
        ),
        "detail.not_done.unplaced": "{reason} by {crew_id} at {time}; offered again today, no crew could take it",
        "detail.not_done.next_day": "{reason} by {crew_id} at {time}; open again for the next day's plan",
        "detail.not_done.flagged": (
            "{reason} by {crew_id} at {time}; NOT offered again today: dispatcher to check first"
        ),
        "cli.unconfirmed": "{crew_id}: {count} stop(s) unconfirmed (no report; kept with this crew)",
        "cli.unconfirmed_total": "{count} stop(s) before {time} with no report taken as going to plan",
        "cli.unconfirmed_returned": (
            "{count} ticket(s) of stops on {day} never reported are open again (reason: unconfirmed)"
        ),
        "cli.eta_not_planned": "Ticket {ticket}: not planned today ({date}): {reason}",
        "cli.eta_not_planned_detail": "{reason} - {detail}",
        "cli.eta_planned": (
            "Ticket {ticket}: crew {crew} expected {start}-{end} on {date} ({stops} stops before it; plan {plan_id} "
            "v{version})"
        ),
        "cli.eta_visited": "Ticket {ticket}: crew {crew} arrived at {time} ({status})",
        "cli.eta_status.done": "done",
        "cli.eta_status.under_way": "under way",
        "cli.eta_status.unconfirmed": "unconfirmed",
        "cli.eta_asset_job": "(ticket {ticket}, asset job {job}, plan {plan_id} v{version})",
        "cli.eta_asset_job_why": "asset job {job} of outage {outage}: {detail}",
        # Wide outages (dispatch outages ...).
        "cli.outages_none": "No outages on {date}.",
        "cli.outages_title": "Outages on {date}",
        "cli.outages_col.outage": "outage",
        "cli.outages_col.asset": "asset",
        "cli.outages_col.source": "source",
        "cli.outages_col.status": "status",
        "cli.outages_col.tickets": "tickets",
        "cli.outages_col.job": "asset job",
        "cli.outages_col.note": "note",
        "outage.source.inferred": "inferred",
        "outage.source.declared": "declared",
        "outage.source.planned": "planned",
        "outage.status.open": "open",
        "outage.status.confirmed": "confirmed",
        "outage.status.dismissed": "dismissed",
        "outage.status.restored": "restored",
        "outage.kind.transformer": "transformer",
        "outage.kind.feeder_section": "feeder section",
        "cli.outage_set": "Outage {outage}: {status}.",
        "cli.outage_declared": "Outage {outage} at {asset} ({source}).",
        "cli.outage_restored": "Outage {outage}: power back at {time}; {closed} ticket(s) closed.",
        "cli.outage_still_dark": "Still dark, home visit: {tickets}.",
        "cli.promise_dropped": "{crew}: promised stop {ticket} dropped - {reason}",
        "cli.promise_dropped_emergency": "{crew}: promised EMERGENCY stop {ticket} dropped - {reason}",
        "cli.overtime": "{crew}: overtime {minutes} min until {end} for hazard {tickets}",
        "cli.coverage_gap": "Warning: {date} {start}-{end} no crew on shift has skill {skill}",
        "cli.coverage_ok": "Skill cover {skills}: some crew on shift in every shift hour of {date}",
        # The dispatcher's view of a plan (plan, plan show, demo) and of a re-plan.
        "view.demo_region": "Sample region: 4 ULP offices around Cirebon, bundled with the package",
        "view.demo_imported": "imported {count} {what}",
        "view.demo_outputs": (
            "Outputs in {out}/: database dispatch.db, plan.json, and {sheets} route sheet files in {out}/sheets/ "
            "(index.html, index.pdf, one PDF/HTML/CSV/GeoJSON per crew), written in {seconds} s.\n"
            "Explore: DISPATCH_DATABASE_URL=sqlite:///{database} dispatch plan show --date {day}"
        ),
        "view.what.crews": "crews",
        "view.what.shifts": "shifts",
        "view.what.zones": "zones",
        "view.what.tickets": "tickets",
        "view.plan": (
            "Plan {date} version {version} ({status}), plan id {plan_id}: {served} of {tickets} tickets served, "
            "{used} of {on_shift} crews used, {km} km"
        ),
        "view.status.draft": "draft",
        "view.status.published": "published",
        "view.status.superseded": "superseded",
        "view.routes": "Routes",
        "view.col.crew": "crew",
        "view.col.members": "members",
        "view.col.shift": "shift",
        "view.col.visits": "visits",
        "view.col.homes": "homes",
        "view.col.exposure": "exposure min",
        "view.col.km": "km",
        "view.col.span": "first - last",
        "view.outdoor_only": "(outdoor only)",
        "view.by_priority": "Tickets by priority",
        "view.col.priority": "priority",
        "view.col.served": "served",
        "view.col.unassigned": "unassigned",
        "view.col.within_target": "within response target",
        "view.idle": "Idle crew-hours after the last stop: {hours}",
        "view.by_reason": "Unassigned by reason: {reasons}",
        "view.most_urgent": "Most urgent unassigned (first {n})",
        "view.col.ticket": "ticket",
        "view.col.reason": "reason",
        "view.col.detail": "detail",
        "view.outages": "Wide outages (one asset job each; their tickets are not home visits)",
        "view.col.outage": "outage",
        "view.col.asset": "asset",
        "view.col.kind": "kind",
        "view.col.customers": "customers",
        "view.col.tickets": "tickets",
        "view.col.asset_job": "asset job",
        "view.not_dispatched": "Crew {crew} not dispatched: {reason}",
        "view.standby": "standby shift (called only in storm mode)",
        "view.worst_exposure": (
            "Worst exposure per worker: {members} of crew {crew}, {homes} homes, {minutes} weighted min "
            "(caps {max_homes} homes, {max_minutes} min per shift)"
        ),
        "view.members": "members",
        "view.saved_draft": "Saved as draft plan {plan_id}. Publish it with: dispatch plan publish --date {day}",
        "view.published": "Published plan {plan_id} (version {version}) for {day}.",
        "view.revision": (
            "Revision {version} of {date} as of {time} (plan {plan_id}, revises plan {parent}), {status}; "
            "solved in {seconds} s, {stops} stops changed."
        ),
        "view.unchanged": "unchanged: {crews}",
        "view.note": "note: {note}",
        "detail.no_skilled_crew": "needs skills {skills}; no crew on shift has them all",
        "detail.zone_closed": "inside closed zone {zone}: no home entries there",
        "detail.crowded_out_set_aside": (
            "not planned: crews {crews} of its depot were given the most urgent and nearest tickets, as many as "
            "each may take (solver.max_tickets_per_solve); this one stays open for the next plan"
        ),
        "detail.no_crew_on_shift": "no crew is on shift that day",
        "detail.home_entry_barred": (
            "enters a home, and all {count} crews with the skills are barred from home entries today "
            "(home cap 0 or exposure budget spent)"
        ),
        "detail.exposure_cap_alone": (
            "weighted exposure {minutes} min exceeds every skilled crew's cap (largest {cap_minutes} min)"
        ),
        "detail.capacity": "demand {demand} exceeds every crew's capacity",
        "detail.window_unreachable": "window {windows}; the earliest any skilled crew can arrive is {at} (crew {crew})",
        "detail.window_unreachable_no_window": (
            "no skilled crew gets there before its shift ends; the earliest arrival is {at} (crew {crew})"
        ),
        "detail.shift_too_short": (
            "even alone it does not fit in any shift; fits if crew {crew}'s shift ran {minutes} min longer"
        ),
        "detail.home_cap": "every crew that could take it has reached its home-entry cap ({crews})",
        "detail.exposure_cap": "it would push every crew that could take it over its exposure cap ({crews})",
        "detail.isolation_rule": (
            "every crew that could take it has a home visit earlier that must be its last home entry ({crews})"
        ),
        "detail.crowded_out": (
            "feasible alone (crew {crew} could start it at {at}), but the crews' time went to more urgent or "
            "better-placed work"
        ),
        "note.no_time": "{crew}: no time left in the shift",
        "note.back_by": "{crew}: needs until {time} to get back to the depot",
        "note.break_dropped": "{crew}: the break no longer fits in its window; planned without it",
        "note.storm_soft": "storm: {count} P1/P2 deadline(s) could not all be met together; kept soft",
        "note.searched_again": "search came back with {count} stops; searched again",
        "note.warm_start_kept": "search came back with {count} stops; warm start kept",
        "note.emergencies_first": "emergencies first: {tickets} placed by displacing ordinary stops",
        "note.backlog_first": "backlog first: {tickets} placed by displacing less urgent stops",
        "note.text": "{text}",
        "view.forecast": "P1 response forecast:",
        "view.not_reached": "not reached today",
        "view.hours": "{value} h",
        "view.target": "(target {hours})",
        "view.flag_emergency": "emergency",
        "view.flag_late": "LATE",
        "view.rewrote": "Rewrote {count} route sheet files in {out}/ for {crews}",
        "view.no_crew": "no crew",
        "change.added": "{n} added",
        "change.moved_from": "{n} moved from {crew}",
        "change.moved_to": "{n} moved to {crew}",
        "change.dropped": "{n} taken off (unassigned or closed)",
        "change.reordered": "{n} reordered",
        "change.retimed": "{n} retimed",
        "change.none": "no change",
        "sc.instead": "{setting} {new} instead of {old}",
        "sc.served_fewer": "{n} fewer served",
        "sc.served_more": "{n} more served",
        "sc.served_same": "as many served",
        "sc.wait_more": "{n} more customers wait",
        "sc.wait_fewer": "{n} fewer customers wait",
        "sc.wait_same": "as many customers wait",
        "sc.quantity.homes_per_worker_max": "max homes per worker {value}",
        "sc.quantity.exposure_min_per_worker_max": "max weighted exposure per worker {value} min",
        "sc.quantity.crew_hours": "crew hours {value}",
        "sc.limits": "limits reached: {items}",
        "sc.limit.home_cap": "home cap {n} of {of} workers",
        "sc.limit.exposure_cap": "exposure cap {n} of {of} workers",
        "sc.limit.shift_time": "shift time {n} of {of} crews",
        "sc.name.home_cap": "the home cap",
        "sc.name.exposure_cap": "the weighted-exposure cap",
        "sc.name.shift_time": "shift time",
        "sc.name.none": "no limit (the tickets run out)",
        "sc.not_binding": "{limit} does not bind (no worker reaches it); what binds: {other}",
        "sc.sweep_binds": "{limit} binds at {values}",
        "sc.sweep_flat": (
            "{limit} does not bind at {values}: {other} binds first, so a flat line there is not this value's effect"
        ),
        "sc.coverage": "hours with no crew skilled for hazards: {gaps}",
        "sc.coverage_ok": "some crew skilled for hazards on shift in every hour",
        "sc.monotone_ok": "served by priority never falls when {setting} loosens by one step",
        "sc.monotone_falls": "served by priority FALLS from {setting}={old} to {new}: {before} -> {after}",
        # What-if scenarios: the run header, the KPI table, scenario list, compare and sweep tables.
        "fmt.thousands_sep": ",",
        "sc.run_title": "Scenario run #{id}",
        "sc.run_header": "{title} {name} on {base_date} ({solutions} solutions, {seconds} s)",
        "sc.live_line": (
            "Live data: {base_tickets} open tickets, {base_crews} crews ({base_on_shift} with a shift). "
            "Scenario: {tickets} tickets, {crews} crews ({on_shift} with a shift)."
        ),
        "sc.no_changes": "no changes (the live data as it is)",
        "sc.kpi_title": "KPIs",
        "sc.col.kpi": "KPI",
        "sc.col.value": "value",
        "sc.of_served": "{value} of {served} served ({open} open)",
        "sc.unassigned_reason": "unassigned: {reason}",
        "sc.kpi.tickets": "tickets",
        "sc.kpi.served": "tickets served",
        "sc.kpi.served_p1": "served P1",
        "sc.kpi.served_p2": "served P2",
        "sc.kpi.served_p3": "served P3",
        "sc.kpi.served_p4": "served P4",
        "sc.kpi.p1_within_target": "P1 within response target",
        "sc.kpi.p2_within_target": "P2 within response target",
        "sc.kpi.p1_response_h_mean": "P1 mean response hours (served)",
        "sc.kpi.p2_response_h_mean": "P2 mean response hours (served)",
        "sc.kpi.customer_minutes_waited": "customer-minutes waited (served)",
        "sc.kpi.customers_unserved": "customers not reached",
        "sc.kpi.km": "km driven",
        "sc.kpi.crews_on_shift": "crews on shift",
        "sc.kpi.crews_used": "crews used",
        "sc.kpi.crews_not_dispatched": "crews not dispatched",
        "sc.kpi.crew_hours": "crew hours used (overtime included)",
        "sc.kpi.shift_hours": "crew hours on shift (rostered)",
        "sc.kpi.overtime_hours": "overtime hours (past the rostered end)",
        "sc.kpi.paid_hours": "crew hours paid (rostered + overtime)",
        "sc.kpi.homes_entered": "homes entered",
        "sc.kpi.homes_per_worker_max": "homes per worker, max",
        "sc.kpi.homes_per_worker_mean": "homes per worker, mean",
        "sc.kpi.exposure_min_per_worker_max": "exposure min per worker, max",
        "sc.kpi.exposure_min_per_worker_mean": "exposure min per worker, mean",
        "sc.kpi.binding.at_home_cap": "workers at the home cap",
        "sc.kpi.binding.at_exposure_cap": "workers at the exposure cap",
        "sc.kpi.binding.out_of_shift_time": "crews out of shift time",
        "sc.kpi.unassigned": "unassigned",
        "sc.list_none": "No scenario runs yet: try `dispatch scenario run FILE`.",
        "sc.list_title": "Scenario runs",
        "sc.col.id": "id",
        "sc.col.name": "name",
        "sc.col.base_date": "base date",
        "sc.col.created": "created",
        "sc.col.served": "served",
        "sc.col.p1_on_time": "P1 on time",
        "sc.col.km": "km",
        "sc.col.unassigned": "unassigned",
        "sc.col.sweep": "sweep",
        "sc.compare_title": "Scenario comparison (base: #{id} {name})",
        "sc.different_dates": "warning: the runs are for different dates ({dates})",
        "sc.chart": "Chart: {path}",
        "sc.sweep_title": "Sweep {sweep}",
        "sc.col.run": "run",
        "sc.col.served_by_priority": "served P1/P2/P3/P4",
        "sc.col.customer_minutes": "cust-min",
        "sc.col.customers_unserved": "customers not reached",
        "sc.col.crew_hours": "crew h",
        "sc.col.homes_max": "max homes/worker",
        "sc.col.exposure_max": "max exposure/worker",
        "sc.col.at_home_cap": "at home cap",
        "sc.col.at_exposure_cap": "at exposure cap",
        "sc.col.out_of_shift_time": "out of shift time",
        "sc.col.pareto": "Pareto",
        "sc.sweep_footer": "{plans} plans in {seconds} s  on {jobs} worker slots. CSV: {csv}  Chart: {png}",
    },
}
