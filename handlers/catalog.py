"""The one list of the bot's commands. Each entry owns what runs (a callback, or a dialogue form), who may
use it (its permission action), its line in Telegram's command menu and its line in /bantuan. The
application registers its handlers from this list, so a command cannot be in the menu without a handler
or the other way round (tests/test_catalog.py checks it).

This module sits on top of the feature modules: it imports them, none of them imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from handlers import (
    cases,
    corrections,
    dashboard,
    digest,
    export,
    hearings,
    help,
    holidays,
    importing,
    legal_status,
    members,
    products,
    reminders,
    reports,
    targets,
)
from handlers.common import Handler, MemberHandler, member_of, refusal, requires, send
from handlers.dialog import Form
from handlers.services import BotContext
from models.permissions import Action, allowed
from models.tables import Member


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # the menu line
    usage: str  # the /bantuan line
    # Exactly one of: `form` (a dialogue, whose action it is), `run` (needs `action`, checked before it
    # runs), `callback` (does its own checks; `action` then only decides where it is listed), or none
    # for a command the dialogue handler answers itself (/batal).
    form: Form | None = None
    run: MemberHandler | None = None
    callback: Handler | None = None
    permission: Action | None = None  # None with a form: the form's; None otherwise: anyone
    in_groups: bool = False  # in the group chats' menu
    aliases: tuple[str, ...] = ()  # also registered, not listed

    @property
    def action(self) -> Action | None:
        return self.form.action if self.form is not None else self.permission

    def handler(self) -> Handler | None:
        """What to register for a plain command (None: a dialogue's entry point, or /batal)."""
        if self.run is not None:
            assert self.permission is not None, self.name
            return requires(self.permission)(self.run)
        return self.callback


async def bantuan(update: Update, context: BotContext) -> None:
    """/bantuan: the commands this member may use, from the catalog itself."""
    user = update.effective_user
    if user is None:
        return
    member = await member_of(update, context)
    if member is None:
        await send(update, help.INTRO + "\n\n" + refusal(user.id, None))
        return
    lines = [f"<code>{escape(c.usage)}</code> — {escape(c.description)}" for c in for_member(member)]
    dates = (
        "Tanggal boleh ditulis 2026-03-01, 01-03-2026, 01/03/2026, 1 Maret 2026, atau 1 Mar 2026; "
        "jika tidak ditulis, dipakai tanggal hari ini."
    )
    await send(update, help.INTRO + "\n\n<b>Perintah yang dapat Anda gunakan</b>\n" + "\n".join(lines) + "\n\n" + dates)


COMMANDS: tuple[Command, ...] = (
    Command("usul", "Catat usulan produk hukum", "/usul perwali [tanggal] Judul (atau /usul saja)", form=products.USUL),
    Command("tetapkan", "Catat penetapan usulan", "/tetapkan 12 7 [tanggal]", form=products.TETAPKAN),
    Command("publikasi", "Catat publikasi produk hukum", "/publikasi 12 [tanggal] [tautan]", form=products.PUBLIKASI),
    Command(
        "undangkan",
        "Catat pengundangan Perda/Perwali",
        "/undangkan 12 [tanggal] [nomor]",
        form=products.UNDANGKAN,
    ),
    Command(
        "status",
        "Status hukum produk (berlaku, diubah, dicabut)",
        "/status 4 [diubah|dicabut oleh 9] (atau /status saja)",
        form=legal_status.STATUS,
    ),
    Command("perkara", "Catat perkara baru", "/perkara 12/Pdt.G/2026/PN Prb [tanggal] [uraian]", form=cases.PERKARA),
    Command(
        "selesai",
        "Catat perkara selesai",
        "/selesai 3 [tanggal] [menang|kalah|damai|dicabut|lainnya] [hasil] [inkracht tanggal]",
        form=cases.SELESAI,
    ),
    Command(
        "tahap", "Catat perkara naik tingkat", "/tahap 3 banding|kasasi|pk [nomor register] [tanggal]", form=cases.TAHAP
    ),
    Command(
        "sidang",
        "Jadwal sidang (30 hari ke depan)",
        "/sidang · /sidang 3 tanggal [HH:MM] [agenda] · /sidang batal 5",
        form=hearings.SIDANG,
    ),
    Command(
        "iku", "Capaian IKU saat ini", "/iku [tahun] [tw1-tw4]", run=reports.iku, permission=Action.read, in_groups=True
    ),
    Command(
        "target",
        "Target IKU (lihat atau atur)",
        "/target [iku1|iku2|iku3] [tw1-tw4] [persen] [tahun]",
        run=targets.target,
        permission=Action.read,
    ),
    Command(
        "daftar",
        "Daftar yang masih terbuka",
        "/daftar [usulan|terbit|pengundangan|perkara]",
        run=reports.daftar,
        permission=Action.read,
    ),
    Command(
        "dasbor",
        "Dasbor IKU: grafik, target, dan yang perlu perhatian",
        "/dasbor",
        run=dashboard.dasbor,
        permission=Action.read,
    ),
    Command("ubah", "Perbaiki data yang salah", "/ubah produk 12", form=corrections.UBAH),
    Command(
        "urungkan",
        "Urungkan catatan terakhir Anda",
        "/urungkan",
        run=corrections.urungkan,
        permission=Action.correct,
    ),
    Command(
        "riwayat",
        "Riwayat perubahan suatu catatan",
        "/riwayat produk 12",
        run=corrections.riwayat,
        permission=Action.read,
    ),
    Command("batal", "Batalkan dialog yang sedang berjalan", "/batal", permission=Action.read),
    Command(
        "ringkasan",
        "Ringkasan mingguan IKU saat ini",
        "/ringkasan",
        callback=digest.ringkasan,
        permission=Action.read,
        in_groups=True,
    ),
    # /jadwal works in groups too; the group menu lists only the five commands groups need most.
    Command(
        "ekspor",
        "Laporan tahunan (Excel) atau data JDIH",
        "/ekspor [tahun] atau /ekspor jdih",
        run=export.ekspor,
        permission=Action.read,
    ),
    Command(
        "impor",
        "Impor register dari spreadsheet",
        "/impor (lalu kirim berkas XLSX/CSV)",
        run=importing.impor,
        permission=Action.import_records,
    ),
    Command("jadwal", "Jadwal ringkasan mingguan", "/jadwal", run=digest.jadwal, permission=Action.read),
    Command(
        "langganan",
        "Kirim ringkasan mingguan ke grup ini",
        "/langganan senin 08:00",
        run=digest.langganan,
        permission=Action.subscribe,
        in_groups=True,
    ),
    Command(
        "berhenti",
        "Hentikan ringkasan mingguan di grup ini",
        "/berhenti",
        run=digest.berhenti,
        permission=Action.subscribe,
        in_groups=True,
    ),
    Command(
        "anggota",
        "Kelola anggota",
        "/anggota tambah 123456789 staf bankum Nama",
        run=members.anggota,
        permission=Action.manage_members,
    ),
    Command(
        "pengingat",
        "Pengingat pribadi Anda",
        "/pengingat [nyala|mati] (atau tombol di bawah /pengingat)",
        run=reminders.pengingat,
        permission=Action.read,
    ),
    # Listing is for every member; `tambah` and `hapus` (one line or dialogue) are the admins' (the form's
    # `available`).
    Command("libur", "Hari libur", "/libur [tahun] (admin: /libur tambah · /libur hapus)", form=holidays.LIBUR),
    Command("bantuan", "Petunjuk penggunaan", "/bantuan", callback=bantuan, in_groups=True, aliases=("start", "help")),
)

# Updates that are not commands (the bot added to or removed from a group, a group becoming a supergroup).
OTHER_HANDLERS: tuple[BaseHandler[Update, BotContext, None], ...] = digest.HANDLERS
# Registered before the dialogues: the buttons of an import preview and the documents sent for /impor,
# and the reminder switch under /pengingat, which an open dialogue would otherwise take as its own (or as
# stale) input.
EARLY_HANDLERS = (*importing.handlers(), *reminders.handlers())


def for_member(member: Member | None) -> list[Command]:
    return [c for c in COMMANDS if c.action is None or allowed(member, c.action)]


def forms() -> list[Form]:
    return [c.form for c in COMMANDS if c.form is not None]


def command_handlers() -> list[CommandHandler[BotContext, None]]:
    """Plain commands (dialogues are registered through the dialogue handler). Only new messages: an
    edited "/usul ..." must not log a second proposal."""
    out: list[CommandHandler[BotContext, None]] = []
    for command in COMMANDS:
        handler = command.handler()
        if handler is not None:
            for name in (command.name, *command.aliases):
                out.append(CommandHandler(name, handler, filters=filters.UpdateType.MESSAGE))
    return out
