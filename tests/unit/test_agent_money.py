"""Amounts are stored in the currency's minor unit; the answer shows them in the major unit."""

import pytest

from agent.nodes.respond import money


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (1500, "usd", "15.00 USD"),
        (123456, "EUR", "1,234.56 EUR"),
        (1500, "jpy", "1,500 JPY"),  # zero-decimal: 1500 is 1,500 yen, not 15
        (50000, "KRW", "50,000 KRW"),
        (1500, "kwd", "1.500 KWD"),  # three-decimal
        (0, "usd", "0.00 USD"),
    ],
)
def test_money_uses_the_currency_minor_unit(amount: int, currency: str, shown: str) -> None:
    assert money(amount, currency) == shown
