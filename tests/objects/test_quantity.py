"""Tests for ``kmodel.objects.quantity`` against upstream apimachinery (Kubernetes v1.35).

Cases whose id starts with an upstream test function name (``TestQuantityParse-...``) restate the
tables of ``staging/src/k8s.io/apimachinery/pkg/api/resource/quantity_test.go`` in this model's
terms. Cases with an ``upstream-`` id pin behaviour the upstream tests do not cover; their expected
values were taken from the apimachinery v0.35.0 ``resource`` package compiled and run on the same
inputs.
"""

from __future__ import annotations

import dataclasses
import doctest
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import kmodel.objects.quantity as quantity_module
from kmodel.objects.quantity import Quantity, parse_quantity, quantity_from_yaml

DS, BS, DE = "DecimalSI", "BinarySI", "DecimalExponent"
INT64_MAX = 2**63 - 1


def F(text: str | int) -> Fraction:
    return Fraction(text)


def _ids(cases: list[tuple], prefix: str) -> list:
    return [pytest.param(*case, id=f"{prefix}-{case[0]}") for case in cases]


# --- ParseQuantity: accepted inputs -------------------------------------------------------------

# (input, exact amount, format) from TestQuantityParse's table.
PARSE_TABLE = [
    ("0", F(0), DS),
    ("0n", F(0), DS),
    ("0u", F(0), DS),
    ("0m", F(0), DS),
    ("0Ki", F(0), BS),
    ("0k", F(0), DS),
    ("0Mi", F(0), BS),
    ("0M", F(0), DS),
    ("0Gi", F(0), BS),
    ("0G", F(0), DS),
    ("0Ti", F(0), BS),
    ("0T", F(0), DS),
    # a bare number
    ("1", F(1), DS),
    # binary suffixes
    ("1Ki", F(2**10), BS),
    ("8Ki", F(8 * 2**10), BS),
    ("7Mi", F(7 * 2**20), BS),
    ("6Gi", F(6 * 2**30), BS),
    ("5Ti", F(5 * 2**40), BS),
    ("4Pi", F(4 * 2**50), BS),
    ("3Ei", F(3 * 2**60), BS),
    ("10Ti", F(10 * 2**40), BS),
    ("100Ti", F(100 * 2**40), BS),
    # decimal suffixes
    ("5n", F("5e-9"), DS),
    ("4u", F("4e-6"), DS),
    ("3m", F("3e-3"), DS),
    ("9", F(9), DS),
    ("8k", F(8000), DS),
    ("50k", F(50000), DS),
    ("7M", F("7e6"), DS),
    ("6G", F("6e9"), DS),
    ("5T", F("5e12"), DS),
    ("40T", F("4e13"), DS),
    ("300T", F("3e14"), DS),
    ("2P", F("2e15"), DS),
    ("1E", F("1e18"), DS),
    # decimal exponents, standard and not
    ("1E-3", F("1e-3"), DE),
    ("1e3", F(1000), DE),
    ("1E6", F("1e6"), DE),
    ("1e9", F("1e9"), DE),
    ("1E12", F("1e12"), DE),
    ("1e15", F("1e15"), DE),
    ("1E18", F("1e18"), DE),
    ("1e14", F("1e14"), DE),
    ("1e13", F("1e13"), DE),
    ("100.035k", F(100035), DS),
    # numbers that look like floats
    ("0.001", F("0.001"), DS),
    ("0.0005k", F("0.5"), DS),
    ("0.005", F("0.005"), DS),
    ("0.05", F("0.05"), DS),
    ("0.5", F("0.5"), DS),
    ("0.00050k", F("0.5"), DS),
    ("0.00500", F("0.005"), DS),
    ("0.05000", F("0.05"), DS),
    ("0.50000", F("0.5"), DS),
    ("0.5e0", F("0.5"), DE),
    ("0.5e-1", F("0.05"), DE),
    ("0.5e-2", F("0.005"), DE),
    ("10.035M", F(10035000), DS),
    ("1.2e3", F(1200), DE),
    ("1.3E+6", F(1300000), DE),
    ("1.40e9", F("1.4e9"), DE),
    ("1.53E12", F("1.53e12"), DE),
    ("1.6e15", F("1.6e15"), DE),
    ("1.7E18", F("1.7e18"), DE),
    ("9.01", F("9.01"), DS),
    ("8.1k", F(8100), DS),
    ("7.123456M", F(7123456), DS),
    ("6.987654321G", F(6987654321), DS),
    ("5.444T", F("5.444e12"), DS),
    ("40.1T", F("4.01e13"), DS),
    ("300.2T", F("3.002e14"), DS),
    ("2.5P", F("2.5e15"), DS),
    ("1.01E", F("1.01e18"), DS),
    # rounded up to a whole nano, or capped
    ("3.001n", F("4e-9"), DS),
    ("1.1E-9", F("2e-9"), DE),
    ("0.0000000001", F("1e-9"), DS),
    ("0.0000000005", F("1e-9"), DS),
    ("0.00000000050", F("1e-9"), DS),
    ("0.5e-9", F("1e-9"), DE),
    ("0.9n", F("1e-9"), DS),
    ("0.00000012345", F("124e-9"), DS),
    ("0.00000012354", F("124e-9"), DS),
    ("9Ei", F(INT64_MAX), BS),
    ("9223372036854775807Ki", F(INT64_MAX), BS),
    ("12E", F("12e18"), DS),  # DecimalSI is never capped
    # fractional binary amounts
    ("100.035Ki", F("102435.84"), BS),
    ("0.5Mi", F(2**19), BS),
    ("0.05Gi", F("53687091.2"), BS),
    ("0.025Ti", F("27487790694.4"), BS),
    # odd spellings
    ("0.000000000001Ki", F("2e-9"), DS),  # rounded up, and below 1 so no longer binary
    (".001", F("0.001"), DS),
    (".0001k", F("0.1"), DS),
    ("1.", F(1), DS),
    ("1.G", F("1e9"), DS),
]


@pytest.mark.parametrize(("text", "amount", "fmt"), _ids(PARSE_TABLE, "TestQuantityParse"))
def test_parse_table(text: str, amount: Fraction, fmt: str) -> None:
    q = parse_quantity(text)
    assert (q.amount, q.format) == (amount, fmt)
    # Upstream runs the same table with a leading "-" and with a leading "+".
    negative = parse_quantity("-" + text)
    assert (negative.amount, negative.format) == (-amount, fmt)
    plus = parse_quantity("+" + text)
    assert (plus.amount, plus.format) == (amount, fmt)


# (input, amount, format) that upstream accepts although they hold no digits, or only zeros;
# the first two come from TestParseQuantityString.
ODD_ZEROES = [
    (".", F(0), DS),
    ("-.", F(0), DS),
    ("-", F(0), DS),
    ("+", F(0), DS),
    ("00", F(0), DS),
    ("-0", F(0), DS),
    ("k", F(0), DS),
    ("e3", F(0), DE),
    ("Ki", F(0), BS),
    (".Ki", F(0), BS),
    ("0.0e-2147483647", F(0), DE),
]


@pytest.mark.parametrize(
    ("text", "amount", "fmt"),
    [
        pytest.param(*c, id=f"{'TestParseQuantityString' if i < 2 else 'upstream'}-{c[0]}")
        for i, c in enumerate(ODD_ZEROES)
    ],
)
def test_parse_odd_zeroes(text: str, amount: Fraction, fmt: str) -> None:
    q = parse_quantity(text)
    assert (q.amount, q.format, str(q)) == (amount, fmt, "0")


@pytest.mark.parametrize(
    ("text", "amount", "fmt"),
    [
        pytest.param("1E-3", F("0.001"), DE, id="TestParseQuantityString-1E-3"),
        pytest.param("-1.025Ti", -F("1.025") * 2**40, BS, id="TestParseQuantityString--1.025Ti"),
        pytest.param("1e4294967296", F(1), DE, id="upstream-int32-wrapped-exponent"),
        pytest.param("1e-9223372036854775808", F(1), DE, id="upstream-int64-min-exponent"),
        pytest.param("1e9223372036854775807", F("0.1"), DE, id="upstream-int64-max-exponent"),
        pytest.param("1e-40", F("1e-9"), DE, id="upstream-tiny-rounds-to-1n"),
        pytest.param("-1e-40", F("-1e-9"), DE, id="upstream-negative-tiny-rounds-to-minus-1n"),
        pytest.param("1e-2147483647", F("1e-9"), DE, id="upstream-huge-negative-exponent"),
        pytest.param("1e100", F(10**100), DE, id="upstream-1e100"),
        pytest.param("1e10000", F(10**10000), DE, id="upstream-model-largest-exponent"),
        pytest.param("8192Pi", F(INT64_MAX), BS, id="upstream-binary-cap-at-2**63"),
        pytest.param("-9.5Ei", -F(INT64_MAX), BS, id="upstream-negative-binary-cap"),
        pytest.param("-0.0001Ki", F("-0.1024"), DS, id="upstream-small-negative-binary-becomes-decimal"),
        pytest.param("1234567890123456789012345", F(1234567890123456789012345), DS, id="upstream-25-digits"),
        pytest.param("007", F(7), DS, id="upstream-leading-zeros"),
    ],
)
def test_parse_more(text: str, amount: Fraction, fmt: str) -> None:
    q = parse_quantity(text)
    assert (q.amount, q.format) == (amount, fmt)


# --- ParseQuantity: rejected inputs -------------------------------------------------------------

# (input, the upstream error variable named in the message)
INVALID = [
    ("1.1.M", "ErrFormatWrong"),
    ("1+1.0M", "ErrFormatWrong"),
    ("0.1mi", "ErrSuffix"),
    ("0.1am", "ErrFormatWrong"),
    ("aoeu", "ErrFormatWrong"),
    (".5i", "ErrSuffix"),
    ("1i", "ErrSuffix"),
    ("-3.01i", "ErrSuffix"),
    ("-3.01e-", "ErrSuffix"),
    (" 1", "ErrFormatWrong"),
    ("1 ", "ErrFormatWrong"),
]
MORE_INVALID = [
    ("Pi", "ErrNumeric"),
    ("-Ei", "ErrNumeric"),
    (".Pi", "ErrNumeric"),
    (".e-20", "ErrNumeric"),
    ("5e", "ErrSuffix"),
    ("1e+", "ErrSuffix"),
    ("1-5", "ErrSuffix"),
    ("1Ki+5", "ErrSuffix"),
    ("1ki", "ErrSuffix"),
    ("1K", "ErrSuffix"),
    ("1EE", "ErrSuffix"),
    ("1e3E", "ErrFormatWrong"),
    ("1e9223372036854775808", "ErrSuffix"),
    ("1KiB", "ErrFormatWrong"),
    ("1_000", "ErrFormatWrong"),
    ("0x10", "ErrFormatWrong"),
    ("1,5", "ErrFormatWrong"),
    ("inf", "ErrFormatWrong"),
    ("NaN", "ErrFormatWrong"),
    ("1\t", "ErrFormatWrong"),
    ("\u0661", "ErrFormatWrong"),  # a non-ASCII digit
    ("1.5e3.5", "ErrFormatWrong"),
    ("--1", "ErrSuffix"),  # the second sign starts the suffix
]


@pytest.mark.parametrize(
    ("text", "upstream_error"),
    [pytest.param(t, e, id=f"TestQuantityParse-invalid-{t}") for t, e in INVALID]
    + [pytest.param("", "ErrFormatWrong", id="TestQuantityParse-empty")]
    + [pytest.param("Non-Numeric", "ErrFormatWrong", id="TestQuantityParseNonNumericPanic")]
    + [pytest.param(t, e, id=f"upstream-invalid-{t!r}") for t, e in MORE_INVALID],
)
def test_parse_rejects(text: str, upstream_error: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_quantity(text)
    message = str(info.value)
    assert message.startswith(f"quantity '{text}': ")
    assert message.endswith(f"({upstream_error})")


@pytest.mark.parametrize(
    "text",
    ["1e10001", "1e2147483647", "1e-2147483648", "1.0e-2147483647", "5.55e-2147483647"],
)
def test_model_limit(text: str) -> None:
    """Exponents the model cannot hold exactly are refused (upstream accepts them)."""
    with pytest.raises(ValueError, match=r"\(model limit\)$"):
        parse_quantity(text)


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        parse_quantity(2)  # type: ignore[arg-type]


# --- String() -----------------------------------------------------------------------------------

# (amount, format, canonical string, a non-canonical spelling of it or None) from
# TestQuantityString.
STRING_TABLE = [
    (F(2**30), BS, "1Gi", "1024Mi"),
    (F(300 * 2**20), BS, "300Mi", "307200Ki"),
    (F(6 * 2**10), BS, "6Ki", None),
    (F(1001 * 2**30), BS, "1001Gi", "1025024Mi"),
    (F(2**40), BS, "1Ti", "1024Gi"),
    (F(5), BS, "5", "5000m"),
    (F("0.5"), BS, "500m", "0.5"),
    (F("1e9"), DS, "1G", "1000M"),
    (F("1e9"), DS, "1G", "0.001T"),
    (F("1e-3"), DS, "1m", "1000u"),
    (F("0.08"), DS, "80m", None),
    (F("1.08"), DS, "1080m", "1.08"),
    (F("1.08"), DS, "1080m", "1080000000n"),
    (F("3e8"), DS, "300M", None),
    (F("1e12"), DS, "1T", None),
    (F("1234567e6"), DS, "1234567M", None),
    (F("1234.567"), BS, "1234567m", None),
    (F(3000), DS, "3k", None),
    (F(1025), BS, "1025", None),
    (F(0), DS, "0", None),
    (F(0), BS, "0", None),
    (F("1e9"), DE, "1e9", ".001e12"),
    (F("1e-3"), DE, "1e-3", "0.001e0"),
    (F("1e-9"), DE, "1e-9", "1000e-12"),
    (F("0.08"), DE, "80e-3", None),
    (F("3e8"), DE, "300e6", None),
    (F("1e12"), DE, "1e12", None),
    (F(1000), DE, "1e3", None),
    (F(3000), DE, "3e3", None),
    (F(0), DE, "0", "00"),
    (F("1e-9"), DS, "1n", None),
    (F("8e-8"), DS, "80n", None),
    (F("1.08e-6"), DS, "1080n", None),
    (F("1e-6"), DS, "1u", None),
    (F("8e-5"), DS, "80u", None),
    (F("1.08e-3"), DS, "1080u", None),
]


@pytest.mark.parametrize(
    ("amount", "fmt", "expect", "alternate"),
    [pytest.param(*c, id=f"TestQuantityString-{c[2]}-{c[1]}-{c[3]}") for c in STRING_TABLE],
)
def test_string_table(amount: Fraction, fmt: str, expect: str, alternate: str | None) -> None:
    assert str(Quantity(amount, fmt)) == expect
    assert str(parse_quantity(expect)) == expect
    if alternate is not None:
        assert str(parse_quantity(alternate)) == expect
    if amount != 0:
        assert str(Quantity(-amount, fmt)) == "-" + expect


PARSE_EMIT = [
    ("1Ki", "1Ki"),
    ("1Mi", "1Mi"),
    ("1Gi", "1Gi"),
    ("1024Mi", "1Gi"),
    ("1000M", "1G"),
    (".001Ki", "1024m"),
    (".000001Ki", "1024u"),
    (".000000001Ki", "1024n"),
    (".000000000001Ki", "2n"),
]


@pytest.mark.parametrize(("text", "expect"), _ids(PARSE_EMIT, "TestQuantityParseEmit"))
def test_parse_emit(text: str, expect: str) -> None:
    assert str(parse_quantity(text)) == expect
    assert str(parse_quantity("-" + text)) == "-" + expect


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        pytest.param("0", "0", id="TestQuantityParseZero"),
        pytest.param("1000m", "1", id="upstream-1000m"),
        pytest.param("1.5Gi", "1536Mi", id="upstream-1.5Gi"),
        pytest.param("0.1", "100m", id="upstream-0.1"),
        pytest.param("+1.5Ki", "1536", id="upstream-+1.5Ki"),
        pytest.param("0.5Ki", "512", id="upstream-binary-below-1024-prints-decimal"),
        pytest.param("1.5e3", "1500", id="upstream-exponent-0-has-no-suffix"),
        pytest.param("0.1m", "100u", id="upstream-0.1m-is-not-rounded-to-1m"),
        pytest.param("9Ei", "9223372036854775807", id="upstream-capped-binary"),
        pytest.param("-0.0000000001", "-1n", id="upstream-negative-rounds-away-from-zero"),
        pytest.param("-0", "0", id="upstream-minus-zero"),
        pytest.param("1e10000", "10e9999", id="upstream-1e10000"),
        # Upstream reuses the input text when a cheap test says it is canonical; the test is
        # fooled by a plus sign, leading zeros, trailing fraction zeros and capital E.
        pytest.param("+1", "+1", id="upstream-cached-plus"),
        pytest.param("007", "007", id="upstream-cached-leading-zeros"),
        pytest.param("1.500", "1.500", id="upstream-cached-fraction-zeros"),
        pytest.param("1.500m", "1.500m", id="upstream-cached-fraction-zeros-milli"),
        pytest.param("1E3", "1E3", id="upstream-cached-capital-E"),
        pytest.param("1e+3", "1e+3", id="upstream-cached-exponent-plus"),
        pytest.param("1.G", "1.G", id="upstream-cached-trailing-point"),
        pytest.param("+1Ki", "+1Ki", id="upstream-cached-binary"),
        pytest.param("1.0", "1", id="upstream-not-cached-1.0"),
        pytest.param("1000", "1k", id="upstream-not-cached-trailing-000"),
        pytest.param("8Ki", "8Ki", id="upstream-not-cached-binary-multiple-of-8"),
        # No suffix exists for 10**21 and above: upstream prints the bare mantissa.
        pytest.param("1000E", "1", id="upstream-missing-suffix-1000E"),
        pytest.param("5000E", "5", id="upstream-missing-suffix-5000E"),
        pytest.param("1234000P", "1234E", id="upstream-1234000P-still-has-a-suffix"),
    ],
)
def test_string_of_parsed(text: str, expect: str) -> None:
    assert str(parse_quantity(text)) == expect


@pytest.mark.parametrize(
    ("amount", "fmt", "expect"),
    [
        pytest.param(F("1e-12"), DS, "1", id="upstream-no-suffix-below-nano"),
        pytest.param(F("1e-12"), DE, "1e-12", id="upstream-exponent-below-nano"),
        pytest.param(F(2**70), BS, "1", id="upstream-no-binary-suffix-above-Ei"),
        pytest.param(F(3 * 2**60), BS, "3Ei", id="upstream-3Ei"),
        pytest.param(F(1023), BS, "1023", id="upstream-binary-1023"),
        pytest.param(F(-1024), BS, "-1Ki", id="upstream-binary-minus-1024"),
        pytest.param(F("1024.5"), BS, "1024500m", id="upstream-binary-fraction-prints-decimal"),
        # 1500e-12: there is no suffix for 10**-12, so only the mantissa is printed.
        pytest.param(F("1.5e-9"), DS, "1500", id="upstream-sub-nano-decimal"),
    ],
)
def test_string_of_constructed(amount: Fraction, fmt: str, expect: str) -> None:
    assert str(Quantity(amount, fmt)) == expect


# --- Value() and MilliValue() -------------------------------------------------------------------

# (input, Value(), MilliValue())
VALUES = [
    ("1", 1, 1000),
    ("1500m", 2, 1500),
    ("250m", 1, 250),
    ("0.1m", 1, 1),
    ("1n", 1, 1),
    ("1e3", 1000, 1000000),
    ("1.5Gi", 1610612736, 1610612736000),
    ("2.5Ki", 2560, 2560000),
    ("1.0000000001", 2, 1001),
    # Negative numbers held as an int64 round away from zero.
    ("-250m", -1, -250),
    ("-1.5", -2, -1500),
    ("-0.5", -1, -500),
    ("-1.1", -2, -1100),
    ("-0.0001", -1, -1),
    ("-9.999999999", -10, -10000),
    # Negative numbers held as an inf.Dec truncate and add one.
    ("-1.0000000001", 0, -999),
    ("-0.0000000001", 1, 1),
    ("-1e-40", 1, 1),
    ("-0.0001Ki", 1, -101),
    ("-1.5Gi", -1610612736, -1610612736000),
    # Out of int64: 0 when scaling an int64 up step by step, wrapped otherwise.
    ("12E", 0, 0),
    ("-12E", 0, 0),
    ("1000P", 10**18, 0),
    ("1e10000", 0, 0),
    ("0211787004087359715", 211787004087359715, 8872819276554647224),
    ("9Ei", INT64_MAX, -1000),
    ("-9Ei", -INT64_MAX, 1000),
    ("9223372036854775808", -(2**63), 0),
    ("-999999999.5Ki", 9017668640, 9017668639735),
]


@pytest.mark.parametrize(("text", "value", "milli"), _ids(VALUES, "upstream-value"))
def test_value_and_milli_value(text: str, value: int, milli: int) -> None:
    q = parse_quantity(text)
    assert (q.value(), q.milli_value()) == (value, milli)


@pytest.mark.parametrize(
    ("amount", "value", "milli"),
    [
        pytest.param(F("1e-9"), 1, 1, id="TestScaledValue-Nano"),
        pytest.param(F("1e-6"), 1, 1, id="TestScaledValue-Micro"),
        pytest.param(F("1e-3"), 1, 1, id="TestScaledValue-Milli"),
        pytest.param(F(1), 1, 1000, id="TestScaledValue-1"),
    ],
)
def test_scaled_value(amount: Fraction, value: int, milli: int) -> None:
    q = Quantity(amount, DS)  # NewScaledQuantity(1, scale)
    assert (q.value(), q.milli_value()) == (value, milli)


# (int64 value, multiplied by 10**scale, expected String())
NEW_SCALED = [
    (1, -9, "1n"),
    (1000, -9, "1u"),
    (1, -6, "1u"),
    (1000, -6, "1m"),
    (1, -3, "1m"),
    (1000, -3, "1"),
    (1, 0, "1"),
    (0, -9, "0"),
    (0, -6, "0"),
    (0, -3, "0"),
    (0, 0, "0"),
]


@pytest.mark.parametrize(
    ("value", "scale", "expect"),
    [pytest.param(*c, id=f"TestNewScaledSet-{c[0]}e{c[1]}") for c in NEW_SCALED],
)
def test_new_scaled_set(value: int, scale: int, expect: str) -> None:
    q = Quantity(Fraction(value) * Fraction(10) ** scale, DS)
    assert str(q) == expect
    reparsed = parse_quantity(str(q))
    assert reparsed.amount == q.amount
    if scale == 0:
        assert reparsed.value() == value
    if scale == -3:
        assert reparsed.milli_value() == value


@pytest.mark.parametrize(
    ("value", "fmt", "expect", "exact"),
    [
        pytest.param(1, DS, "1m", True, id="TestMilliNewSet-1-DecimalSI"),
        pytest.param(1000, DS, "1", True, id="TestMilliNewSet-1000-DecimalSI"),
        pytest.param(1234000, DS, "1234", True, id="TestMilliNewSet-1234000-DecimalSI"),
        pytest.param(1024, BS, "1024m", False, id="TestMilliNewSet-1024-BinarySI"),
        pytest.param(1024 * 1024, BS, "1048576m", False, id="TestMilliNewSet-1048576-BinarySI"),
    ],
)
def test_milli_new_set(value: int, fmt: str, expect: str, exact: bool) -> None:
    q = Quantity(Fraction(value, 1000), fmt)  # NewMilliQuantity(value, format)
    assert str(q) == expect
    if exact:
        assert parse_quantity(str(q)).milli_value() == value


@pytest.mark.parametrize(
    ("value", "fmt", "expect"),
    [
        pytest.param(1, DS, "1", id="TestNewSet-1-DecimalSI"),
        pytest.param(1000, DS, "1k", id="TestNewSet-1000-DecimalSI"),
        pytest.param(1234000, DS, "1234k", id="TestNewSet-1234000-DecimalSI"),
        pytest.param(1024, BS, "1Ki", id="TestNewSet-1024-BinarySI"),
        pytest.param(1024 * 1024, BS, "1Mi", id="TestNewSet-1048576-BinarySI"),
    ],
)
def test_new_set(value: int, fmt: str, expect: str) -> None:
    q = Quantity(Fraction(value), fmt)  # NewQuantity(value, format)
    assert str(q) == expect
    assert parse_quantity(str(q)).value() == value


@pytest.mark.parametrize(
    ("left", "right", "expect"),
    [
        pytest.param("0", "0", 0, id="TestQuantityCmp-0-0"),
        pytest.param("100m", "50m", 1, id="TestQuantityCmp-100m-50m"),
        pytest.param("50m", "100m", -1, id="TestQuantityCmp-50m-100m"),
        pytest.param("10000T", "100Gi", 1, id="TestQuantityCmp-10000T-100Gi"),
    ],
)
def test_compare_amounts(left: str, right: str, expect: int) -> None:
    a, b = parse_quantity(left).amount, parse_quantity(right).amount
    assert (a > b) - (a < b) == expect


# --- quantity_from_yaml (UnmarshalJSON) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        pytest.param(" 1", "1", id="TestJSONWhitespace-leading-space"),
        pytest.param("1 ", "1", id="TestJSONWhitespace-trailing-space"),
        pytest.param(1, "1", id="TestJSONWhitespace-1"),
        pytest.param(10, "10", id="TestJSONWhitespace-10"),
        pytest.param(-1, "-1", id="TestJSONWhitespace--1"),
        pytest.param(2, "2", id="upstream-yaml-int"),
        pytest.param(0.5, "500m", id="upstream-yaml-float"),
        pytest.param(1.0, "1", id="upstream-yaml-float-1.0"),
        pytest.param(-0.0, "0", id="upstream-yaml-minus-zero"),
        pytest.param(1e21, "1e+21", id="upstream-yaml-float-exponent-form"),
        pytest.param(1e-7, "100e-9", id="upstream-yaml-float-small"),
        pytest.param(123456789.123, "123456789.123", id="upstream-yaml-float-fraction-cached"),
        pytest.param(1e20, "100E", id="upstream-yaml-float-1e20"),
        pytest.param(2**64 - 1, "18446744073709551615", id="upstream-yaml-int-uint64"),
        # Beyond uint64 the YAML decoder makes a float64, printed by encoding/json.
        pytest.param(2**64, "18446744073709552k", id="upstream-yaml-int-beyond-uint64"),
        pytest.param(10**25, "10e24", id="upstream-yaml-int-as-float-exponent"),
        pytest.param("\u00a0500m\u3000", "500m", id="upstream-yaml-unicode-spaces"),
        pytest.param(" 1Gi ", "1Gi", id="upstream-yaml-1Gi"),
    ],
)
def test_quantity_from_yaml(value: str | int | float, expect: str) -> None:
    assert str(quantity_from_yaml(value)) == expect


@pytest.mark.parametrize(
    ("value", "error"),
    [
        pytest.param(True, ValueError, id="bool"),
        pytest.param(float("nan"), ValueError, id="nan"),
        pytest.param(float("inf"), ValueError, id="inf"),
        pytest.param("\t1", ValueError, id="tab-is-escaped-by-json"),
        pytest.param("1\n", ValueError, id="newline-is-escaped-by-json"),
        pytest.param(" ", ValueError, id="blank"),
        pytest.param(None, TypeError, id="none"),
        pytest.param([1], TypeError, id="list"),
    ],
)
def test_quantity_from_yaml_rejects(value: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        quantity_from_yaml(value)  # type: ignore[arg-type]


# --- the Quantity value object ------------------------------------------------------------------


def test_equality_ignores_the_cached_string() -> None:
    plain, plus = parse_quantity("1"), parse_quantity("+1")
    assert plain == plus and hash(plain) == hash(plus)
    assert (str(plain), str(plus)) == ("1", "+1")
    assert parse_quantity("1Ki") != parse_quantity("1024")  # same amount, other format
    assert repr(plus) == "Quantity(amount=Fraction(1, 1), format='DecimalSI')"


def test_replace_forgets_the_cached_string() -> None:
    q = dataclasses.replace(parse_quantity("+1"), amount=Fraction(2000))
    assert str(q) == "2k"


def test_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        parse_quantity("1").amount = Fraction(2)  # type: ignore[misc]


def test_constructor_converts_and_validates() -> None:
    assert Quantity(2, DS).amount == Fraction(2)  # type: ignore[arg-type]
    assert Quantity(Decimal("0.25"), DS).amount == Fraction(1, 4)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite decimal"):
        Quantity(Fraction(1, 3), DS)
    with pytest.raises(ValueError, match="format"):
        Quantity(Fraction(1), "invalidFormatDefaultsToExponent")
    with pytest.raises(TypeError):
        Quantity(0.5, DS)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Quantity(True, DS)  # type: ignore[arg-type]


def test_docstring_examples() -> None:
    result = doctest.testmod(quantity_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# --- properties ---------------------------------------------------------------------------------

_EXPONENT_SUFFIXES = st.builds(
    lambda letter, sign, n: f"{letter}{sign}{n}",
    st.sampled_from("eE"),
    st.sampled_from(["", "+", "-"]),
    st.integers(min_value=0, max_value=40),
)
_SUFFIXES = st.one_of(
    st.sampled_from(["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]),
    _EXPONENT_SUFFIXES,
)
_DIGIT_TEXT = st.text(alphabet="0123456789", max_size=22)


@st.composite
def quantity_texts(draw: st.DrawFn) -> str:
    """Strings in upstream's quantity grammar (some are still rejected, e.g. "Pi")."""
    sign = draw(st.sampled_from(["", "+", "-"]))
    whole = draw(_DIGIT_TEXT)
    fraction = draw(st.none() | _DIGIT_TEXT)
    number = whole if fraction is None else f"{whole}.{fraction}"
    return sign + number + draw(_SUFFIXES)


def _parse_or_skip(text: str) -> Quantity:
    try:
        return parse_quantity(text)
    except ValueError:
        assume(False)
        raise


def _round_trips(q: Quantity) -> bool:
    """Whether upstream's String() can be read back: not when DecimalSI needs a suffix beyond E."""
    return not (q.format == DS and abs(q.amount) >= 10**21)


@settings(max_examples=300, deadline=None)
@given(quantity_texts())
def test_canonical_form_round_trips(text: str) -> None:
    q = _parse_or_skip(text)
    assume(_round_trips(q))
    again = parse_quantity(str(q))
    assert again.amount == q.amount
    assert str(again) == str(q)  # printing is idempotent


@settings(max_examples=300, deadline=None)
@given(quantity_texts())
def test_string_is_idempotent_even_without_round_trip(text: str) -> None:
    q = _parse_or_skip(text)
    assert str(parse_quantity(str(q))) == str(q)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=-INT64_MAX, max_value=INT64_MAX),
    st.integers(min_value=-9, max_value=0),
    st.sampled_from([DS, BS, DE]),
)
def test_constructed_quantities_round_trip(units: int, scale: int, fmt: str) -> None:
    """Whole nanos within int64 (beyond it BinarySI is capped when parsed)."""
    q = Quantity(Fraction(units) * Fraction(10) ** scale, fmt)
    again = parse_quantity(str(q))
    assert again.amount == q.amount
    assert str(parse_quantity(str(again))) == str(again)


@settings(max_examples=300, deadline=None)
@given(quantity_texts())
def test_sign_is_symmetric(text: str) -> None:
    unsigned = text.lstrip("+-")
    q = _parse_or_skip(unsigned)
    negative, plus = parse_quantity("-" + unsigned), parse_quantity("+" + unsigned)
    assert (negative.amount, negative.format) == (-q.amount, q.format)
    assert (plus.amount, plus.format) == (q.amount, q.format)


@settings(max_examples=300, deadline=None)
@given(quantity_texts())
def test_value_is_the_ceiling_for_non_negative_amounts(text: str) -> None:
    q = _parse_or_skip(text)
    assume(0 <= q.amount and math.ceil(q.amount * 1000) <= INT64_MAX)
    assert q.value() == math.ceil(q.amount)
    assert q.milli_value() == math.ceil(q.amount * 1000)
    # Everything parsed is a whole number of nanos.
    assert (q.amount * 10**9).denominator == 1
