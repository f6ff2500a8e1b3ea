"""Everything that knows Telegram's size limits lives here."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram.ext import AIORateLimiter

MAX_MESSAGE_CHARS = 4096
MAX_CAPTION_CHARS = 1024
MAX_CALLBACK_DATA_BYTES = 64
MESSAGES_PER_MINUTE_PER_GROUP = 20
# Sent evenly, a hair under the ceiling, so network jitter never puts a 31st message into one second.
PACED_MESSAGES_PER_SECOND = 29


def rate_limiter(max_retries: int = 3) -> AIORateLimiter:
    """python-telegram-bot's limiter, paced: one message every 1/29 s overall instead of its default
    bucket, which lets 30 through at once and 30 more within the same second. Each 429 halts all sending
    for its retry_after (then retried, up to `max_retries` times), so avoiding them is what keeps a
    500-group digest fast (benchmarks/digest_fanout.py). Per group: 20 per minute, as Telegram asks."""
    return AIORateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / PACED_MESSAGES_PER_SECOND,
        group_max_rate=MESSAGES_PER_MINUTE_PER_GROUP,
        group_time_period=60,
        max_retries=max_retries,
    )


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def fits_callback_data(data: str) -> bool:
    return len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES


def shorten(text: str, limit: int) -> str:
    """Cut plain (unescaped) text to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def join_within_limit(
    head: str,
    lines: Sequence[str],
    more: Callable[[int], str],
    limit: int = MAX_MESSAGE_CHARS,
) -> str:
    """Join `head` and as many whole `lines` as fit; `more(n)` says that n lines were left out.

    Lines are already-escaped HTML fragments, so cutting happens between lines, never inside a tag.
    """
    out = head
    for index, line in enumerate(lines):
        left_after = len(lines) - index - 1
        reserve = tg_len(more(left_after)) + 1 if left_after else 0
        if tg_len(out) + 1 + tg_len(line) + reserve > limit:
            return out + "\n" + more(len(lines) - index)
        out += "\n" + line
    return out
