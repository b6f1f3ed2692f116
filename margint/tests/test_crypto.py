from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from margint import crypto


def test_round_trip_and_the_token_does_not_contain_the_secret():
    token = crypto.encrypt("whsec_abc123")
    assert "whsec_abc123" not in token
    assert crypto.decrypt(token) == "whsec_abc123"


def test_rotation_decrypts_with_an_older_key_and_encrypts_with_the_newest(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("rk_live_secret")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(token) == "rk_live_secret"
    fresh = crypto.encrypt("rk_live_secret")
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(fresh) == "rk_live_secret"
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(token)
