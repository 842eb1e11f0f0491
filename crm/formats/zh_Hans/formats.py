"""Simplified Chinese formats with thousands separators for money and counts (¥1,234,567),
as Chinese finance and sales documents write them; Django's default groups nothing."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
