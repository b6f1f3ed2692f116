"""Field encryption for secrets stored in the database (Stripe keys, webhook secrets).

MultiFernet over settings.FIELD_ENCRYPTION_KEYS, newest first: the newest key encrypts, every
key decrypts, so a key is rotated by putting a new one in front and re-encrypting at leisure.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
