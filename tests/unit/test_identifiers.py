"""GTIN check digits and NIB shape."""

from hypothesis import given
from hypothesis import strategies as st

from traceability.identifiers import gtin14, gtin_check_digit, is_valid_gtin, is_valid_nib

bodies = st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))


@given(bodies)
def test_appending_the_check_digit_makes_a_valid_gtin(body):
    assert is_valid_gtin(body + str(gtin_check_digit(body)))


@given(bodies, st.integers(1, 9))
def test_any_other_last_digit_is_invalid(body, shift):
    wrong = (gtin_check_digit(body) + shift) % 10

    assert not is_valid_gtin(body + str(wrong))


@given(bodies)
def test_padding_to_14_digits_keeps_the_check_digit(body):
    gtin = body + str(gtin_check_digit(body))

    assert is_valid_gtin(gtin14(gtin))


def test_known_gtins_from_the_examples():
    assert is_valid_gtin("8994471000237")
    assert not is_valid_gtin("899447100023")
    assert not is_valid_gtin("89944710002a7")


def test_nib_is_thirteen_digits():
    assert is_valid_nib("9120216648390")
    assert not is_valid_nib("912021664839")
    assert not is_valid_nib("91202166483901")
    assert not is_valid_nib("912021664839a")
