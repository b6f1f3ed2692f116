"""The currencies an organization may report in: the active ISO 4217 codes of money in use
(funds, precious metals and testing codes are left out), each of which margint.formatting writes
with its minor unit (margint.money) and its symbol or code."""

from __future__ import annotations

_CODES = """
    aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd btn bwp
    byn bzd cad cdf chf clp cny cop crc cuc cup cve czk djf dkk dop dzd egp ern etb eur fjd fkp
    gbp gel ghs gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr iqd irr isk jmd jod jpy kes kgs
    khr kmf kpw krw kwd kyd kzt lak lbp lkr lrd lsl lyd mad mdl mga mkd mmk mnt mop mru mur mvr
    mwk mxn myr mzn nad ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf
    sar sbd scr sdg sek sgd shp sle sll sos srd ssp stn svc syp szl thb tjs tmt tnd top try ttd
    twd tzs uah ugx usd uyu uzs ves vnd vuv wst xaf xcd xcg xof xpf yer zar zmw zwg zwl
"""
ISO_4217 = frozenset(_CODES.split())


def is_reporting_currency(code: str) -> bool:
    """Whether `code` (any case) is a currency Margint reports in."""
    return isinstance(code, str) and code.lower() in ISO_4217


def not_a_currency(code: str) -> str:
    return f"{code.upper()} is not an ISO 4217 currency code Margint reports in."
