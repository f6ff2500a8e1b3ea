"""The bot's commands with their Indonesian descriptions: used by /bantuan and the command menu."""

from __future__ import annotations

from dataclasses import dataclass

from models.permissions import Action, allowed
from models.tables import Member


@dataclass(frozen=True)
class Command:
    name: str
    action: Action | None  # None: anyone may use it
    description: str
    usage: str
    in_groups: bool = False


COMMANDS: tuple[Command, ...] = (
    Command("usul", Action.propose, "Catat usulan produk hukum", "/usul perwali [tanggal] Judul (atau /usul saja)"),
    Command("tetapkan", Action.enact, "Catat penetapan usulan", "/tetapkan 12 7 [tanggal]"),
    Command("publikasi", Action.publish, "Catat publikasi produk hukum", "/publikasi 12 [tanggal] [tautan]"),
    Command("perkara", Action.open_case, "Catat perkara baru", "/perkara 12/Pdt.G/2026/PN Prb [tanggal] [uraian]"),
    Command("selesai", Action.resolve_case, "Catat perkara selesai", "/selesai 3 [tanggal] [hasil]"),
    Command("iku", Action.read, "Capaian IKU saat ini", "/iku [tahun] [tw1-tw4]", in_groups=True),
    Command("daftar", Action.read, "Daftar yang masih terbuka", "/daftar [usulan|terbit|perkara]"),
    Command("ubah", Action.correct, "Perbaiki data yang salah", "/ubah produk 12"),
    Command("urungkan", Action.correct, "Urungkan catatan terakhir Anda", "/urungkan"),
    Command("riwayat", Action.read, "Riwayat perubahan suatu catatan", "/riwayat produk 12"),
    Command("batal", Action.read, "Batalkan dialog yang sedang berjalan", "/batal"),
    Command("ringkasan", Action.read, "Ringkasan mingguan IKU saat ini", "/ringkasan", in_groups=True),
    # /jadwal works in groups too; the group menu lists only the five commands groups need most.
    Command("jadwal", Action.read, "Jadwal ringkasan mingguan", "/jadwal"),
    Command(
        "langganan", Action.subscribe, "Kirim ringkasan mingguan ke grup ini", "/langganan senin 08:00", in_groups=True
    ),
    Command("berhenti", Action.subscribe, "Hentikan ringkasan mingguan di grup ini", "/berhenti", in_groups=True),
    Command("anggota", Action.manage_members, "Kelola anggota", "/anggota tambah 123456789 staf bankum Nama"),
    Command("bantuan", None, "Petunjuk penggunaan", "/bantuan", in_groups=True),
)


def for_member(member: Member | None) -> list[Command]:
    return [c for c in COMMANDS if c.action is None or allowed(member, c.action)]
