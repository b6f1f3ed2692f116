from __future__ import annotations

import hashlib
import hmac

from publicapi.notifications import signing

SECRET = "whsec_test_secret"
BODY = b'{"id":"evt_1","type":"margin.threshold_crossed"}'


def test_header_is_timestamp_and_hmac_sha256_of_timestamp_dot_body():
    header = signing.signature_header(SECRET, 1775383200, BODY)
    expected = hmac.new(SECRET.encode(), b"1775383200." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1775383200,v1={expected}"


def test_verify_accepts_a_fresh_signature_and_refuses_tampering_and_replays():
    header = signing.signature_header(SECRET, 1_000_000, BODY)
    assert signing.verify(secret=SECRET, header=header, body=BODY, now=1_000_100)
    assert not signing.verify(secret=SECRET, header=header, body=BODY + b" ", now=1_000_100)
    assert not signing.verify(secret="whsec_other", header=header, body=BODY, now=1_000_100)
    assert not signing.verify(secret=SECRET, header=header, body=BODY, now=1_000_301)
    assert not signing.verify(secret=SECRET, header="v1=abc", body=BODY, now=1_000_100)
    assert not signing.verify(secret=SECRET, header="t=soon,v1=abc", body=BODY, now=1_000_100)
