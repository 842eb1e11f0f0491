"""The duplicate rule for customers, as the import uses it. The rule itself lives with the
customer model (`company_name_key`, `phone_key`, `CustomerQuerySet.likely_duplicates_of`), so the
duplicate warning, the duplicate finder and the import always agree."""

from __future__ import annotations

from .models import company_name_key as normalise_name
from .models import phone_key as normalise_phone

__all__ = ["normalise_email", "normalise_name", "normalise_phone"]


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()
