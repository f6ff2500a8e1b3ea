"""Thin Telegram adapters: parse the update, call domain code in `models`, format the reply with `handlers.replies`."""
