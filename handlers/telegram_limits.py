"""Telegram's limits, the one place that knows them: message, caption and button-data sizes, and the
sending rates the rate limiter (bot/rate_limiter.py) enforces."""

from __future__ import annotations

from collections.abc import Callable, Sequence

MAX_MESSAGE_CHARS = 4096
MAX_CAPTION_CHARS = 1024
MAX_CALLBACK_DATA_BYTES = 64
MESSAGES_PER_MINUTE_PER_GROUP = 20  # Telegram: at most 20 messages a minute in one group


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


# --- sending rates (enforced by bot/rate_limiter.py) ----------------------------------------
# Telegram's limits: about 30 messages a second overall, 20 a minute in one group, and about one a second
# in one chat as a sustained rate (short bursts are fine). Kept a hair under the overall ceiling, so network
# jitter never puts a 31st message into one second on Telegram's side.
MESSAGES_PER_SECOND = 29
# The window those 29 are counted in: a little over a second, the margin for messages that reach Telegram
# bunched up by network jitter (measured: benchmarks/member_latency.py, zero 429s, 28 a second).
OVERALL_WINDOW = 1.03
# A private chat may get a burst of 30 messages, then about one a second: a person answered as fast as
# they type, a script sending many commands slowed down to Telegram's sustained rate.
PRIVATE_CHAT_BURST = 30
