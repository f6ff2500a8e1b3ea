"""IKU Bot: the Legal Division's key performance indicators, kept true every day from Telegram."""
