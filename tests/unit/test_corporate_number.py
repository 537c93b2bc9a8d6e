"""法人番号 check digit (法人番号の指定等に関する省令 2条)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oversight.corporate_number import check_digit, normalise, problem, with_check_digit


@pytest.mark.parametrize(("number", "expected"), [
    ("7000012050002", None),      # 国税庁 (the published example)
    ("1000012050002", "check_digit"),
    ("700001205000", "format"),   # 12 digits
    ("70000120500021", "format"),
    ("700001205000A", "format"),
])
def test_known_numbers(number, expected):
    assert problem(number) == expected


@pytest.mark.parametrize("typed", [
    "７０００ー０１２０ー５０００２",   # full-width digits, long-vowel marks
    "7000–0120–50002",                 # en dashes (U+2013), as word processors turn hyphens into
    "7000—0120—50002",                 # em dashes
    "7000‐0120‐50002",                 # hyphen (U+2010)
    "７０００－０１２０－５０００２",   # full-width hyphen-minus
    "7000\t012050002",                 # a tab pasted from a spreadsheet
    "７０００　０１２０５０００２",     # an ideographic space
    " 7000 0120 50002 ",
])
def test_people_type_it_with_full_width_digits_any_dash_and_any_space(typed):
    assert normalise(typed) == "7000012050002"
    assert problem(normalise(typed)) is None


def test_what_is_not_a_digit_or_a_separator_is_left_for_the_check_to_refuse():
    assert problem(normalise("7000-0120-5000二")) == "format"
    assert problem(normalise("7000012050002\u202e")) == "format"


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_every_generated_number_passes(base):
    assert problem(with_check_digit(base)) is None


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 11), st.integers(0, 9))
def test_a_single_mistyped_digit_is_caught_unless_it_swaps_0_and_9(base, position, digit):
    """The weights are 1 and 2 modulo 9, so only a 0 ↔ 9 slip goes unnoticed: a known limit of the scheme."""
    original = base[position]
    if str(digit) == original:
        return
    typo = base[:position] + str(digit) + base[position + 1:]
    caught = check_digit(typo) != check_digit(base)
    assert caught or {original, str(digit)} == {"0", "9"}
