"""The NPI check digit: Luhn over the 10 digits prefixed with 80840 (the US health-card prefix)."""

from __future__ import annotations


def npi_is_valid(npi: str) -> bool:
    """True for a 10-digit NPI whose last digit is its check digit; False for anything else."""
    if not isinstance(npi, str) or len(npi) != 10 or not npi.isascii() or not npi.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed("80840" + npi)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
