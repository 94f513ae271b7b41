"""Currencies written in amount cells (`$1,200`, `1 200 €`, `EUR 1200`): which currencies a
sign or code may stand for, and the check of each against its row's currency column."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["CODES", "MARK", "SIGNS", "CurrencyCheck", "check_marks", "currencies_of"]

# What a currency mark in a cell looks like: a three-letter code, a dollar sign with its
# country's letters (US$, C$, R$), or a sign.
MARK = r"[A-Za-z]{3}|[A-Za-z]{0,3}\$|[€£¥₹₩₪₺₽]"

# Currency signs and the ISO 4217 codes each may stand for (the first is taken when a
# row gives no currency: a note says so).
SIGNS: dict[str, tuple[str, ...]] = {
    "$": ("USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "ARS", "CLP", "COP", "TWD"),
    "US$": ("USD",),
    "C$": ("CAD",),
    "CA$": ("CAD",),
    "CAD$": ("CAD",),
    "A$": ("AUD",),
    "AU$": ("AUD",),
    "AUD$": ("AUD",),
    "NZ$": ("NZD",),
    "HK$": ("HKD",),
    "S$": ("SGD",),
    "SG$": ("SGD",),
    "R$": ("BRL",),
    "MX$": ("MXN",),
    "€": ("EUR",),
    "£": ("GBP",),
    "¥": ("JPY", "CNY"),
    "₹": ("INR",),
    "₩": ("KRW",),
    "₪": ("ILS",),
    "₺": ("TRY",),
    "₽": ("RUB",),
}
_ISO_4217 = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
    BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
    EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD
    JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK
    MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
    PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF
    XPF YER ZAR ZMW ZWG ZWL
"""
CODES = frozenset(_ISO_4217.split())


def currencies_of(mark: str) -> tuple[str, ...]:
    """The ISO codes a currency mark written in a cell may stand for (empty: unknown)."""
    upper = mark.upper()
    if upper in CODES:
        return (upper,)
    return SIGNS.get(upper, SIGNS.get(mark, ()))


@dataclass
class CurrencyCheck:
    """Amounts after the check (null where refused), the row currencies filled in from
    the marks, the refusals as (index, cell, message), and a note for guessed signs."""

    values: pa.Array
    currency: pa.Array
    refused: list[tuple[int, str, str]]
    note: str | None


def check_marks(
    values: pa.Array,
    marks: pa.Array,
    cells: pa.Array | None,
    currency: pa.Array | pa.ChunkedArray,
) -> CurrencyCheck:
    """An amount's currency marks against the row's currency: a mark that contradicts it
    is refused; where the row gives none, the mark's currency is taken. Python runs over
    the distinct (mark, currency) pairs only."""
    if isinstance(currency, pa.ChunkedArray):
        currency = currency.combine_chunks()
    given = pc.utf8_upper(pc.utf8_trim_whitespace(currency))
    pairs = pa.table({"m": marks, "c": given}).filter(pc.is_valid(marks))
    wrong: list[str] = []
    implied: dict[str, str] = {}
    guessed: dict[str, tuple[str, ...]] = {}
    for pair in pairs.group_by(["m", "c"]).aggregate([]).to_pylist():
        options = currencies_of(pair["m"])
        if pair["c"] is None:
            implied[pair["m"]] = options[0]
            if len(options) > 1:
                guessed[pair["m"]] = options
        elif pair["c"] not in options:
            wrong.append(f"{pair['m']}\x1f{pair['c']}")
    key = pc.binary_join_element_wise(marks, pc.fill_null(given, ""), "\x1f")
    bad = pc.fill_null(pc.is_in(key, value_set=pa.array(wrong, pa.string())), False)
    shown = cells if cells is not None else marks
    refused = [
        (
            i,
            str(shown[i].as_py()),
            f"says {marks[i].as_py()}, but the row's currency is {given[i].as_py()}",
        )
        for i in pc.indices_nonzero(bad).to_pylist()
    ]
    taken = pc.take(
        pa.array(list(implied.values()), pa.string()),
        pc.index_in(marks, value_set=pa.array(list(implied), pa.string())),
    )
    note = None
    if guessed:
        unsaid = pc.and_(
            pc.is_null(currency), pc.is_in(marks, value_set=pa.array(list(guessed), pa.string()))
        )
        count = int(pc.sum(pc.cast(unsaid, pa.int64())).as_py() or 0)
        signs = ", ".join(f"{m} as {options[0]}" for m, options in guessed.items())
        note = (
            f"{count} amounts carry a currency sign but the row gives no currency: read "
            f"{signs}; give the currency if another is meant"
        )
    return CurrencyCheck(
        pc.if_else(bad, pa.scalar(None, values.type), values),
        pc.if_else(pc.is_valid(currency), currency, taken),
        refused,
        note,
    )
