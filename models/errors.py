"""Mistakes a user can make, each carrying the Indonesian explanation and a correct example."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: nothing is written, and the user is told what was wrong and how to do it right."""

    def __init__(self, message: str, example: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example
        # Which input was wrong, so a guided dialogue can ask that step again.
        self.field = field
