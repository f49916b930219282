"""Kubernetes resource quantities (``resource.Quantity``), parsed and printed as upstream does.

A quantity is a signed decimal number with an optional suffix: ``500m``, ``1Gi``, ``2``, ``1e3``,
``0.5``, ``+1.5Ki``. This module reproduces, for Kubernetes v1.35 (apimachinery ``v0.35.x``):

* ``ParseQuantity`` and its scanner ``parseQuantityString``: which strings are accepted, the exact
  value each denotes, and the ``Format`` remembered from the suffix;
* ``String()`` (``CanonicalizeBytes``), including the string upstream caches at parse time;
* ``Value()`` and ``MilliValue()`` (``ScaledValue``), including their rounding of negative numbers
  and their int64 overflow, which depend on whether upstream holds the number as an
  ``int64Amount`` or as an ``inf.Dec``;
* for ``quantity_from_yaml``: ``UnmarshalJSON`` (surrounding blanks trimmed) fed with what
  ``sigs.k8s.io/yaml`` + ``encoding/json`` make of a YAML int or float.

Upstream (``kubernetes/kubernetes``, ``staging/src/k8s.io/apimachinery/pkg/api/resource/``):
``quantity.go`` (``ParseQuantity``, ``parseQuantityString``, ``CanonicalizeBytes``, ``String``,
``ScaledValue``, ``UnmarshalJSON``), ``suffix.go`` (the suffix tables), ``amount.go``
(``int64Amount.AsScaledInt64``, ``AsCanonicalBytes``, ``AsCanonicalBase1024Bytes``), ``math.go``
(``negativeScaleInt64``, ``removeInt64Factors``, ``maxAllowed``), ``scale_int.go``
(``scaledValue``), and their tests ``quantity_test.go``.

Upstream quirks this model reproduces on purpose (each pinned by a test):

* ``String()`` returns the input unchanged when a cheap test judges it canonical, which some
  non-canonical spellings pass: ``"+1"``, ``"007"``, ``"1.500"``, ``"1E3"``, ``"1.G"``.
* No suffix exists beyond ``E`` or below ``n``: a DecimalSI amount of 10**21 or more prints as its
  bare mantissa (``"1000E"`` prints ``"1"``, which reads back as 1).
* ``Value()``/``MilliValue()`` of a negative non-integer held as an ``inf.Dec`` (more than 9
  decimal places, more than 18 digits, or a fractional or very large binary amount) truncate and
  add one: ``"-1.0000000001"`` has ``Value() == 0`` and ``"-0.0000000001"`` has ``Value() == 1``.
* ``"."``, ``"-"``, ``"+"``, ``"k"``, ``"e3"`` and ``"Ki"`` parse as zero; ``"1e4294967296"`` is 1
  (the exponent is cut to int32).

Abstracted (what this model does not do the way upstream does):

* Amounts of 10**10001 or more (``"1e10001"``; the bound is ``_MAX_DECIMAL_EXPONENT``), and the
  non-zero inputs whose exponent makes upstream's int32 scale arithmetic wrap (exponents within
  a few units of ``-2**31``), raise ``ValueError`` mentioning the model limit; upstream accepts
  them (the wrapped ones with a meaningless value). Non-zero inputs with an exponent near
  ``-2**31`` that does not wrap give ``1n`` (or ``-1n``) at once; upstream reaches the same value
  only after building a power of ten with billions of digits.
* Only parsing, printing and ``Value``/``MilliValue`` are modelled: no arithmetic (``Add``,
  ``Sub``, ``Mul``, ``Neg``, ``RoundUp``), no ``Cmp`` (compare ``amount`` instead), no protobuf or
  CBOR encodings.
* Equality: two ``Quantity`` objects are equal when ``amount`` and ``format`` are; upstream's
  ``Equal``/``Cmp`` look at the amount only. The string upstream caches at parse time (see
  ``__str__``) and the internal representation take no part in equality or hashing.
* A ``Quantity`` built directly (not by ``parse_quantity``) is held as upstream's
  ``NewScaledQuantity`` would hold it (an ``int64Amount``) when its amount is an int64 times a
  power of ten, otherwise as ``NewDecimalQuantity`` of an ``inf.Dec`` with the smallest scale
  >= 0 that makes it exact. Only amounts with a finite decimal expansion are allowed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import NoReturn

__all__ = [
    "Quantity",
    "parse_quantity",
    "quantity_from_yaml",
]

_DECIMAL_SI = "DecimalSI"
_BINARY_SI = "BinarySI"
_DECIMAL_EXPONENT = "DecimalExponent"
_FORMATS = (_DECIMAL_SI, _BINARY_SI, _DECIMAL_EXPONENT)

# suffix.go: decimal SI suffixes and their power of ten (the empty suffix is 10**0).
_DECIMAL_SUFFIXES = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
# suffix.go: binary SI suffixes and their power of two.
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
# The reverse tables, used when printing. Upstream's binary table has no entry for 2**0, and its
# decimal table none outside 10**-9 .. 10**18: a missing entry prints no suffix at all.
_DECIMAL_SUFFIX_FOR = {exp: suf for suf, exp in _DECIMAL_SUFFIXES.items()}
_BINARY_SUFFIX_FOR = {exp: suf for suf, exp in _BINARY_SUFFIXES.items()}

_DIGITS = frozenset("0123456789")
# parseQuantityString: the letters a suffix may be made of, before an optional sign and digits.
_SUFFIX_LETTERS = frozenset("eEinumkKMGTP")
# strconv.ParseInt(s, 10, 64) as used on the text after "e"/"E": a sign, then ASCII digits.
_EXPONENT_TEXT = re.compile(r"[+-]?[0-9]+", re.ASCII)

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# quantity.go/math.go: the fast path keeps at most maxInt64Factors (18) decimal digits in an int64.
_MAX_INT64_DIGITS = 18
# quantity.go: everything parsed is rounded up (away from zero) to a multiple of 10**-9 (Nano).
_NANO_EXPONENT = -9
# math.go maxAllowed (2**63 - 1): the cap ParseQuantity applies to BinarySI magnitudes only.
_BINARY_CAP = Fraction(_INT64_MAX)
# Model limit, not upstream: the largest power of ten an amount may carry (see module docstring).
_MAX_DECIMAL_EXPONENT = 10_000

_ERR_FORMAT = "ErrFormatWrong"
_ERR_NUMERIC = "ErrNumeric"
_ERR_SUFFIX = "ErrSuffix"

# Go's unicode.IsSpace characters that encoding/json leaves unescaped inside a string, so that
# UnmarshalJSON's strings.TrimSpace can still see (and strip) them.
_JSON_TRIMMED_SPACE = " \u0085\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"


@dataclass(frozen=True, slots=True)
class Quantity:
    """A Kubernetes resource quantity: an exact amount and the format it prints in.

    Parameters
    ----------
    amount : fractions.Fraction
        The exact value. An ``int`` or a finite ``decimal.Decimal`` is converted; the value must
        have a finite decimal expansion (upstream holds quantities as scaled decimals).
    format : str
        ``"DecimalSI"``, ``"BinarySI"`` or ``"DecimalExponent"``, as upstream picks it from the
        suffix (``""``, ``m``, ``k``... give DecimalSI; ``Ki``... give BinarySI; ``e3`` gives
        DecimalExponent).

    Notes
    -----
    Build quantities with :func:`parse_quantity`: it also records what upstream records at parse
    time (the input string when upstream reuses it for ``String()``, and whether the number is
    held as an int64 or as an arbitrary-precision decimal, which changes ``Value()`` on some
    negative numbers). Those details are private and take no part in equality.

    Examples
    --------
    >>> q = parse_quantity("1.5Gi")
    >>> q.amount, q.format
    (Fraction(1610612736, 1), 'BinarySI')
    >>> str(q), q.value(), q.milli_value()
    ('1536Mi', 1610612736, 1610612736000)
    >>> str(parse_quantity("0.1")), parse_quantity("250m").value()
    ('100m', 1)
    """

    amount: Fraction
    format: str
    # The string upstream keeps from parsing and returns from String() (Quantity.s), or None.
    _cached: str | None = field(default=None, init=False, repr=False, compare=False)
    # How upstream holds the number; exactly one of the two is set. _int64 is an int64Amount
    # (value, scale) with amount == value * 10**scale; _dec_scale the scale (digits after the
    # point) of an inf.Dec, whose unscaled integer is amount * 10**_dec_scale.
    _int64: tuple[int, int] | None = field(default=None, init=False, repr=False, compare=False)
    _dec_scale: int | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        amount = self.amount
        if isinstance(amount, bool) or not isinstance(amount, (int, Fraction, Decimal)):
            kind = type(amount).__name__
            raise TypeError(f"Quantity amount must be a Fraction, int or Decimal, not {kind}")
        if isinstance(amount, Decimal) and not amount.is_finite():
            raise ValueError(f"Quantity amount must be finite, not {amount}")
        amount = Fraction(amount)
        if _decimal_places(amount) is None:
            raise ValueError(f"Quantity amount {amount} has no finite decimal expansion")
        if self.format not in _FORMATS:
            allowed = ", ".join(_FORMATS)
            raise ValueError(f"Quantity format must be one of {allowed}, not {self.format!r}")
        object.__setattr__(self, "amount", amount)
        mantissa, exponent = _decimal_parts(amount)
        if _INT64_MIN <= mantissa <= _INT64_MAX and _INT32_MIN <= exponent <= _INT32_MAX:
            object.__setattr__(self, "_int64", (mantissa, exponent))
        else:
            object.__setattr__(self, "_dec_scale", max(0, -exponent))

    def value(self) -> int:
        """``Value()``: the amount as an integer, rounded up as upstream does.

        Positive amounts are rounded up (ceiling). Negative amounts depend on how upstream holds
        the number: an int64 rounds away from zero (``-1.5`` gives ``-2``), an ``inf.Dec`` (after
        more than 9 decimal places, or more than 18 digits, or a fractional/large binary amount)
        truncates towards zero and adds one (``-1.0000000001`` gives ``0``). Results outside
        int64 wrap around or are 0, as upstream (see ``_int64_scaled_value``).
        """
        return self._scaled_value(0)

    def milli_value(self) -> int:
        """``MilliValue()``: ``amount * 1000`` as an integer, rounded as :meth:`value` rounds."""
        return self._scaled_value(-3)

    def __str__(self) -> str:
        """``String()``: the canonical form, or the parsed text when upstream keeps it.

        The canonical form has no fraction and the largest suffix that loses nothing:
        ``1000m`` -> ``1``, ``1.5Gi`` -> ``1536Mi``, ``0.1`` -> ``100m``. Upstream skips that work
        and returns the input itself when it judges the input canonical already, by a cheap test
        that accepts some non-canonical spellings: ``+1``, ``007``, ``1.500``, ``1E3``, ``1.G``
        print as given.
        """
        if self._cached is not None:
            return self._cached
        return _canonical_string(self.amount, self.format)

    def _scaled_value(self, scale: int) -> int:
        """``ScaledValue(scale)``: the amount in units of ``10**scale``, rounded as upstream."""
        if self._int64 is not None:
            return _int64_scaled_value(*self._int64, scale)
        assert self._dec_scale is not None
        unscaled = self.amount * 10**self._dec_scale
        assert unscaled.denominator == 1
        return _go_scaled_value(unscaled.numerator, self._dec_scale, -scale)


def parse_quantity(text: str) -> Quantity:
    """Parse ``text`` exactly as upstream ``ParseQuantity`` does.

    Parameters
    ----------
    text : str
        The quantity, without surrounding blanks (upstream rejects ``" 1"``).

    Returns
    -------
    Quantity
        The value, rounded up (away from zero) to a multiple of ``1n`` (10**-9) when it has more
        precision; a BinarySI magnitude above 2**63 - 1 is capped there.

    Raises
    ------
    ValueError
        ``"quantity '<text>': <reason>"`` for anything upstream rejects (the upstream error
        variable is named in the reason), and for the exponents this model does not hold
        (see the module docstring).

    Examples
    --------
    >>> str(parse_quantity("1000m")), str(parse_quantity("+1.5Ki")), parse_quantity("1e3").format
    ('1', '1536', 'DecimalExponent')
    >>> parse_quantity("1.1.M")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: quantity '1.1.M': unexpected character '.' at offset 3 ... (ErrFormatWrong)
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_quantity takes a str, not {type(text).__name__}")
    if text == "":
        _fail(text, _ERR_FORMAT, "the empty string is not a quantity")
    if text == "0":
        return _make(Fraction(0), _DECIMAL_SI, cached="0", int64=(0, 0))

    positive, number, num, denom, suffix = _scan(text)
    base, exponent, fmt = _interpret_suffix(text, suffix)

    # quantity.go: the int64 fast path, taken when the digits surely fit an int64.
    if fmt == _BINARY_SI:
        if len(denom) == 0:
            multiplier = 2**exponent
            # Upstream estimates 2**exponent as 10**(exponent*3/10) and keeps 15 digits in all.
            precision = 15 - len(num) - (exponent * 3) // 10 - 1
        else:
            multiplier, precision = 1, -1
        scale = 0
    else:
        multiplier, precision = 1, _MAX_INT64_DIGITS - (len(num) + len(denom))
        scale = exponent
    if precision >= 0:
        unwrapped_scale = scale - len(denom)
        scale = _wrap_int32(unwrapped_scale)  # int32 arithmetic upstream
        if scale >= _NANO_EXPONENT:
            digits = int(num + denom)
            product = digits * multiplier
            if _INT64_MIN <= product <= _INT64_MAX:  # int64Multiply's overflow check
                signed = product if positive else -product
                if digits == 0:
                    amount = Fraction(0)
                elif scale != unwrapped_scale:
                    _fail(text, "model limit", f"exponent {exponent} wraps upstream's int32 scale")
                elif scale > _MAX_DECIMAL_EXPONENT:
                    _fail(text, "model limit", f"exponent {scale} is too large to model exactly")
                else:
                    amount = Fraction(signed) * Fraction(10) ** scale
                # Upstream reuses the input as the printed form when it looks canonical; its test
                # lets through spellings that are not ("+1", "007", "1.500", "1E3").
                if fmt == _BINARY_SI:
                    looks_canonical = exponent % 10 == 0 and digits & 0x07 != 0
                else:
                    shifted = num + denom
                    looks_canonical = (
                        scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
                    )
                cached = text if looks_canonical else None
                return _make(amount, fmt, cached=cached, int64=(signed, scale))

    # quantity.go: the inf.Dec slow path.
    if not any(ch in _DIGITS for ch in number):
        _fail(text, _ERR_NUMERIC, f"no digits in the numeric part {number!r}")
    digits = int(num + denom)
    if base == 10:
        # inf.Dec scale (digits after the point) = len(denom) - exponent, in int32 arithmetic.
        dec_scale = _wrap_int32(len(denom) + _wrap_int32(-exponent))
        if digits != 0 and (dec_scale != len(denom) - exponent):
            _fail(text, "model limit", f"exponent {exponent} wraps upstream's int32 scale")
        if digits != 0 and -dec_scale > _MAX_DECIMAL_EXPONENT:
            _fail(text, "model limit", f"exponent {exponent} is too large to model exactly")
        magnitude = _round_up_to_nano_power10(digits, len(num + denom), dec_scale)
    else:
        magnitude = _round_up_to_nano(Fraction(digits * 2**exponent, 10 ** len(denom)))

    dec_scale_out = -_NANO_EXPONENT  # Round(amount, Nano) leaves 9 digits after the point
    if fmt == _BINARY_SI and magnitude > _BINARY_CAP:
        magnitude, dec_scale_out = _BINARY_CAP, 0  # capped: the inf.Dec of maxAllowed, scale 0
    if fmt == _BINARY_SI and 0 < magnitude < 1:
        fmt = _DECIMAL_SI  # upstream: avoids printing a rounded binary fraction
    amount = magnitude if positive else -magnitude
    return _make(amount, fmt, cached=None, dec_scale=dec_scale_out if magnitude != 0 else 0)


def quantity_from_yaml(value: str | int | float) -> Quantity:
    """Parse a quantity as the API server receives it from a YAML or JSON manifest.

    ``sigs.k8s.io/yaml`` turns YAML into JSON and ``Quantity.UnmarshalJSON`` parses the JSON
    token: a string (``cpu: "500m"``) without its quotes and with surrounding blanks trimmed, an
    int (``cpu: 2``) as its decimal digits, a float (``cpu: 0.5``) as Go's ``encoding/json``
    prints a float64 (``0.5``, ``1e+21``, ``1e-7``; ``1.0`` becomes ``1``).

    Parameters
    ----------
    value : str or int or float
        The scalar the YAML loader produced.

    Raises
    ------
    ValueError
        For a bool, a NaN or infinite float (``encoding/json`` refuses them), or a value
        :func:`parse_quantity` rejects.
    TypeError
        For anything else (``None``, lists...).

    Examples
    --------
    >>> [str(quantity_from_yaml(v)) for v in (2, 0.5, " 1Gi ", 1e21)]
    ['2', '500m', '1Gi', '1e+21']
    """
    if isinstance(value, bool):
        raise ValueError(f"quantity '{value}': a boolean is not a quantity")
    if isinstance(value, str):
        # UnmarshalJSON trims with strings.TrimSpace; blanks that encoding/json escapes (tab,
        # newline...) arrive as backslash escapes and are rejected by the parser instead.
        return parse_quantity(value.strip(_JSON_TRIMMED_SPACE))
    if isinstance(value, int):
        return parse_quantity(_yaml_int_as_json(value))
    if isinstance(value, float):
        return parse_quantity(_go_json_float(value))
    raise TypeError(f"quantity_from_yaml takes a str, int or float, not {type(value).__name__}")


# --- parsing helpers -------------------------------------------------------------------------


def _fail(text: str, upstream_error: str, reason: str) -> NoReturn:
    raise ValueError(f"quantity '{text}': {reason} ({upstream_error})")


def _scan(text: str) -> tuple[bool, str, str, str, str]:
    """``parseQuantityString``: split ``text`` into sign, number text, digits and suffix.

    Returns ``(positive, number, num, denom, suffix)``: ``number`` is the text of the number as
    written (sign included), ``num`` the integer digits without leading zeros (``"0"`` when none
    are left), ``denom`` the digits after the point, ``suffix`` the rest.
    """
    end = len(text)
    pos = 0
    positive = True
    if end and text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos == end:
        # Only a sign and zeros (or just a sign): upstream returns zero straight away.
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos]
    if pos == end:
        return positive, text, num, "", ""
    num = num or "0"
    denom = ""
    if text[pos] == ".":
        # Upstream accepts a point with no digits on either side ("1.", ".5", "." and "1.G").
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
        if pos == end:
            return positive, text, num, denom, ""
    number = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_LETTERS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        _fail(
            text,
            _ERR_FORMAT,
            f"unexpected character {text[pos]!r} at offset {pos}"
            " (a quantity is an optional sign, digits with at most one decimal point, then an"
            " optional suffix)",
        )
    return positive, number, num, denom, text[suffix_start:]


def _interpret_suffix(text: str, suffix: str) -> tuple[int, int, str]:
    """``suffixer.interpret``: ``(base, exponent, format)`` for a suffix, or ``ErrSuffix``."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], _DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], _BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE" and _EXPONENT_TEXT.fullmatch(suffix[1:]):
        parsed = int(suffix[1:])
        if _INT64_MIN <= parsed <= _INT64_MAX:  # strconv.ParseInt(..., 64) range
            # suffix.go converts the int64 exponent with int32(...), which wraps.
            return 10, _wrap_int32(parsed), _DECIMAL_EXPONENT
    _fail(
        text,
        _ERR_SUFFIX,
        f"unknown suffix {suffix!r} (allowed: n u m k M G T P E, Ki Mi Gi Ti Pi Ei,"
        " or e/E followed by a signed integer)",
    )


def _make(
    amount: Fraction,
    fmt: str,
    *,
    cached: str | None,
    int64: tuple[int, int] | None = None,
    dec_scale: int | None = None,
) -> Quantity:
    quantity = Quantity(amount, fmt)
    object.__setattr__(quantity, "_cached", cached)
    object.__setattr__(quantity, "_int64", int64)
    object.__setattr__(quantity, "_dec_scale", dec_scale)
    return quantity


def _round_up_to_nano(magnitude: Fraction) -> Fraction:
    """Round a magnitude up to a multiple of 10**-9 (``inf.Dec.Round(Nano, RoundUp)``)."""
    return Fraction(math.ceil(magnitude * 10**9), 10**9)


def _round_up_to_nano_power10(digits: int, width: int, dec_scale: int) -> Fraction:
    """``_round_up_to_nano(digits / 10**dec_scale)`` for ``0 <= digits < 10**width``, without
    building the huge power of ten a very negative exponent asks for."""
    if digits == 0:
        return Fraction(0)
    if dec_scale - 9 >= width:
        return Fraction(1, 10**9)  # below one nano: rounds up to exactly 1n
    if dec_scale <= 9:
        return Fraction(digits) / Fraction(10) ** dec_scale
    return _round_up_to_nano(Fraction(digits, 10**dec_scale))


def _wrap_int32(value: int) -> int:
    return (value - _INT32_MIN) % 2**32 + _INT32_MIN


def _wrap_int64(value: int) -> int:
    return (value - _INT64_MIN) % 2**64 + _INT64_MIN


# --- printing helpers ------------------------------------------------------------------------


def _decimal_places(amount: Fraction) -> int | None:
    """The fewest digits after the decimal point that write ``amount`` exactly, or None."""
    den = amount.denominator
    twos = (den & -den).bit_length() - 1
    rest = den >> twos
    fives = 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return None
    return max(twos, fives)


def _decimal_parts(amount: Fraction) -> tuple[int, int]:
    """``(mantissa, exponent)`` with ``amount == mantissa * 10**exponent``, mantissa not a
    multiple of 10 (for a non-zero amount)."""
    places = _decimal_places(amount)
    assert places is not None
    mantissa = amount.numerator * 10**places // amount.denominator
    exponent = -places
    if mantissa == 0:
        return 0, 0
    # Strip factors of ten, taking big bites first.
    step = 1
    while mantissa % 10 ** (step * 2) == 0:
        step *= 2
    while step >= 1:
        while mantissa % 10**step == 0:
            mantissa //= 10**step
            exponent += step
        step //= 2
    return mantissa, exponent


def _canonical_string(amount: Fraction, fmt: str) -> str:
    """``CanonicalizeBytes``: the mantissa and suffix upstream prints for an uncached quantity."""
    if amount == 0:
        return "0"
    if fmt == _BINARY_SI:
        # Small or fractional binary amounts print in decimal, so nothing is rounded.
        if -1024 < amount < 1024 or amount.denominator != 1:
            fmt = _DECIMAL_SI
        else:
            mantissa, power = amount.numerator, 0
            while mantissa % 1024 == 0:
                mantissa //= 1024
                power += 10
            return f"{mantissa}{_BINARY_SUFFIX_FOR.get(power, '')}"
    mantissa, exponent = _decimal_parts(amount)
    # Lower the exponent to a multiple of three (Python's % floors, as upstream's loop does).
    shift = exponent % 3
    mantissa, exponent = mantissa * 10**shift, exponent - shift
    if fmt == _DECIMAL_SI:
        # No suffix below n or above E: upstream then prints the bare mantissa (1000E -> "1").
        return f"{mantissa}{_DECIMAL_SUFFIX_FOR.get(exponent, '')}"
    return f"{mantissa}e{exponent}" if exponent != 0 else str(mantissa)


# --- Value() helpers -------------------------------------------------------------------------


def _int64_scaled_value(value: int, scale: int, new_scale: int) -> int:
    """``int64Amount{value, scale}.AsScaledInt64(new_scale)`` as ``ScaledValue`` uses it."""
    if value == 0:
        return 0
    if scale < new_scale:
        # negativeScaleInt64: divide, rounding away from zero; never overflows.
        quotient = -(-abs(value) // 10 ** (new_scale - scale))
        return quotient if value >= 0 else -quotient
    shift = scale - new_scale
    if shift == 0:
        return value
    if shift in (1, 2, 3, 6, 9):
        # positiveScaleInt64's one-multiplication cases: on overflow the wrapped product is
        # returned all the same (only math.MinInt64 is refused, giving 0).
        return 0 if value == _INT64_MIN else _wrap_int64(value * 10**shift)
    # The other cases multiply by 10 step by step and give 0 on overflow.
    product = value * 10**shift
    return product if _INT64_MIN < product <= _INT64_MAX else 0


def _go_int64(value: int) -> int:
    """``big.Int.Int64()``: the low 64 bits of the magnitude, then the sign (wrapping)."""
    low = _wrap_int64(abs(value) & (2**64 - 1))
    return _wrap_int64(-low) if value < 0 else low


def _go_scaled_value(unscaled: int, scale: int, new_scale: int) -> int:
    """``scaled_value(unscaled, scale, newScale)`` of ``scale_int.go``, int64 wrapping included.

    The number is ``unscaled * 10**-scale``; the result is in units of ``10**-new_scale``.
    """
    dif = scale - new_scale
    if dif == 0:
        return _go_int64(unscaled)
    if dif < 0:
        if -dif > 18:  # int64(math.Pow10(19+)) is out of range; unreachable from this module
            raise OverflowError("scale difference beyond int64")
        return _wrap_int64(_go_int64(unscaled) * 10**-dif)
    if unscaled < _INT64_MAX and dif < 19:
        # Go's / truncates towards zero and % keeps the dividend's sign; a remainder adds one,
        # so a negative non-integer ends one above its ceiling (-1.5 -> 0).
        dividend, divisor = _go_int64(unscaled), 10**dif
        quotient = abs(dividend) // divisor * (1 if dividend >= 0 else -1)
        remainder = dividend - quotient * divisor
        return _wrap_int64(quotient + 1) if remainder else quotient
    # big.Int.DivMod is Euclidean: the quotient is floored for a positive divisor.
    quotient, remainder = divmod(unscaled, 10**dif)
    return _wrap_int64(_go_int64(quotient) + 1) if remainder else _go_int64(quotient)


# --- YAML/JSON helpers -----------------------------------------------------------------------


def _yaml_int_as_json(value: int) -> str:
    """The JSON text ``sigs.k8s.io/yaml`` produces for a YAML integer.

    Its YAML decoder keeps integers that fit an int64 or a uint64; a larger one becomes a float64
    (printed as a float), and one beyond float64 stays the string of its digits.
    """
    if _INT64_MIN <= value <= 2**64 - 1:
        return str(value)
    try:
        return _go_json_float(float(value))
    except OverflowError:
        return str(value)


def _go_json_float(value: float) -> str:
    """Go ``encoding/json``'s text for a float64: shortest digits, exponent form outside
    ``[1e-6, 1e21)``, and ``e-07`` shortened to ``e-7``."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"quantity '{value}': JSON cannot encode a NaN or an infinity")
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    # repr gives the shortest digits that read back as the same float, as Go's -1 precision does.
    shortest = Decimal(repr(value)).normalize()
    if 1e-6 <= abs(value) < 1e21:
        return format(shortest, "f")
    sign, digit_tuple, exponent = shortest.as_tuple()
    digits = "".join(map(str, digit_tuple))
    assert isinstance(exponent, int)
    sci_exponent = exponent + len(digits) - 1
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exponent_text = f"{'-' if sci_exponent < 0 else '+'}{abs(sci_exponent):02d}"
    if exponent_text.startswith("-0"):
        exponent_text = "-" + exponent_text[2:]
    return f"{'-' if sign else ''}{mantissa}e{exponent_text}"
