"""The duplicate rule for customers: the same company written differently is the same customer.

Two names match when they are equal after ignoring case, spaces, punctuation and the legal-form
suffixes companies add or drop (有限公司, 股份有限公司, Co., Ltd., Inc. ...); a phone number matches
on its digits (a leading +86 ignored); an email ignoring case.
"""

from __future__ import annotations

import re

_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "公司",
    "corporation",
    "company",
    "limited",
    "co.,ltd.",
    "co.,ltd",
    "co.ltd.",
    "co.ltd",
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "corp.",
    "corp",
    "llc",
    "gmbh",
    "co.",
    "co",
)
_SPACES = re.compile(r"[\s\u3000]+")
_PUNCTUATION = re.compile(r"[()（）\[\]【】,，.。·'\"“”‘’\-_/&]+")


def normalise_name(name: str) -> str:
    """ "ACME Co., Ltd." and "acme" and "Acme 有限公司" all give "acme"."""
    text = _SPACES.sub("", (name or "").lower())
    changed = True
    while changed and text:
        changed = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)].rstrip(",.，。")
                changed = True
                break
    return _PUNCTUATION.sub("", text)


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if len(digits) >= 6 else ""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()
