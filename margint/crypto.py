"""Encryption of secrets stored in the database (Stripe keys, webhook signing secrets).

Fernet (AES-128-CBC with HMAC-SHA256, timestamped) under settings.FIELD_ENCRYPTION_KEYS, newest
first: encrypt uses the newest key, decrypt tries each, so a key is rotated by putting a new one
in front and re-encrypting at leisure.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt"]


def _fernet() -> MultiFernet:
    # Built per call: settings may change in tests, and building it costs microseconds.
    return MultiFernet([Fernet(key) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """The plaintext; raises cryptography.fernet.InvalidToken when no configured key opens it."""
    return _fernet().decrypt(token.encode()).decode()
