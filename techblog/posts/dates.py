"""Dates in front matter: strict ISO 8601, the site's time zone, and a clock
that builds can pin.

A post's ``date`` is an ISO 8601 date (``2024-03-05``) or date-time
(``2024-03-05T10:00``, ``2024-03-05T10:00:00+01:00``). A date or date-time
without an offset is a wall-clock time in the site's time zone
(``techblog_timezone`` in ``conf.py``), never the build machine's. Anything
else is refused with the reason, rather than guessed: ``01/02/2024`` could be
either day first or month first, ``March 2024`` has no day.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
import time
import zoneinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EXPECTED = (
    "an ISO 8601 date such as 2024-03-05, or a date-time such as "
    "2024-03-05T10:00 or 2024-03-05T10:00:00+01:00"
)

_ISO = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)"
    r"\s*(?P<offset>Z|[+-]\d{2}:?\d{2})?)?",
    re.ASCII,  # ASCII digits only: int() would read other scripts' digits silently
)
_SLASHED = re.compile(r"\d{1,4}[/.]\d{1,2}[/.]\d{1,4}", re.ASCII)
_DIGITS = re.compile(r"\d{4}(-\d{2})?", re.ASCII)
# The instants a date may name. From the Unix epoch (SOURCE_DATE_EPOCH and
# file times count from it) to the end of 9998: a year-1 or year-9999 date
# with an offset has no UTC or site-zone form (Python raises OverflowError).
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc)  # excluded
RANGE = "between 1970-01-01 and 9998-12-31"


class DateError(ValueError):
    """A value that is not a usable date; the message says why."""


def site_timezone(name: str) -> ZoneInfo:
    """The zone, from the pinned ``tzdata`` package when it is installed, so
    that every machine (whatever its /usr/share/zoneinfo) builds the same
    offsets. (Looked up by name, not read from a file: such zones pickle.)"""
    if importlib.util.find_spec("tzdata") is not None and zoneinfo.TZPATH:
        zoneinfo.reset_tzpath(to=[])  # the package only, for this process
        ZoneInfo.clear_cache()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise DateError(f"unknown time zone {name!r}; expected an IANA name such as Europe/Zurich") from err


def parse_date(text: str, tz: dt.tzinfo) -> dt.datetime:
    """An aware datetime for ``text``; naive values are read in ``tz``.

    The offset written by the author is kept as it is (the instant and how it
    was written); ``astimezone`` shows it in the site's time zone.
    """
    value = text.strip()
    match = _ISO.fullmatch(value)
    if not match:
        if _SLASHED.fullmatch(value):
            raise DateError("day and month order is ambiguous")
        if _DIGITS.fullmatch(value):
            raise DateError("it has no day")
        raise DateError("it is not in ISO 8601 form")
    try:
        day = dt.date.fromisoformat(match["date"])
    except ValueError as err:
        raise DateError(str(err)) from None
    clock = dt.time()
    if match["time"]:
        try:
            clock = dt.time.fromisoformat(match["time"])
        except ValueError as err:
            raise DateError(str(err)) from None
    moment = dt.datetime.combine(day, clock)
    offset = match["offset"]
    if not offset:
        moment = moment.replace(tzinfo=tz)
    elif offset == "Z":
        moment = moment.replace(tzinfo=dt.timezone.utc)
    else:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            raise DateError(f"offset {offset} is out of range")
        moment = moment.replace(tzinfo=dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes)))
    try:
        within = EARLIEST <= moment.astimezone(dt.timezone.utc) < LATEST
    except (OverflowError, ValueError):
        within = False
    if not within:
        raise DateError(f"it is not {RANGE}")
    return moment


def build_now(tz: dt.tzinfo) -> dt.datetime:
    """Now, in the site's zone; ``SOURCE_DATE_EPOCH`` pins it for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return dt.datetime.fromtimestamp(int(time.time()), tz)
    expected = f"expected a whole number of seconds since 1970, for a date {RANGE}"
    shown = repr(epoch) if len(epoch) <= 40 else repr(epoch[:30] + "...")
    # int() alone would take "+1_0" and other scripts' digits, and raise on 5000 of them.
    if not (epoch.isascii() and epoch.isdigit() and len(epoch) <= 12):
        raise DateError(f"SOURCE_DATE_EPOCH={shown}; {expected}")
    seconds = dt.timedelta(seconds=int(epoch))
    if not seconds < LATEST - EARLIEST:
        raise DateError(f"SOURCE_DATE_EPOCH={shown} is too late; {expected}")
    return (EARLIEST + seconds).astimezone(tz)


def rfc3339(moment: dt.datetime) -> str:
    """The form Atom wants: an explicit offset (Z for UTC); fractions of a
    second only when the date has them (Blogger's dates end in .001)."""
    if not moment.microsecond:
        spec = "seconds"
    else:
        spec = "milliseconds" if moment.microsecond % 1000 == 0 else "microseconds"
    text = moment.isoformat(timespec=spec)
    return text[:-6] + "Z" if text.endswith("+00:00") else text
