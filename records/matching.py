"""Finding the client a prescription belongs to, by name and date of birth.

Names are reduced to matching keys: accents, case, punctuation, titles, suffixes and middle names
go; "LAST, FIRST M" and "First M. Last" give the same key. With the same DOB, a small spelling slip
in a long name (an OCR misread) still matches; a different DOB never does: staff merge those.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.models import Client

_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "md", "do", "phd"}


@dataclass(frozen=True)
class NameKey:
    first: str  # given name tokens joined by spaces, e.g. "mary ann" is kept as "mary"
    last: str   # family name tokens joined by spaces, e.g. "garcia lopez"

    @property
    def flat(self) -> str:
        return (self.first + self.last).replace(" ", "")


def _fold(text: str) -> str:
    """ASCII lower case: accents dropped, apostrophes removed, other punctuation becomes a space."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’`]", "", text)
    return re.sub(r"[^a-z]+", " ", text).strip()


def _tokens(text: str) -> list[str]:
    return [t for t in _fold(text).split() if t not in _TITLES and t not in _SUFFIXES]


def name_key(name: str | None, first: str | None = None, last: str | None = None) -> NameKey | None:
    """Matching key for a full name ("Doe, Jane A." / "Jane A. Doe") or for separate first/last."""
    if first is not None or last is not None:
        f, l_ = _tokens(first or ""), _tokens(last or "")
        if not f and not l_:
            return None
        return NameKey(f[0] if f else "", " ".join(l_))
    if not name or not name.strip():
        return None
    if "," in name:
        last_part, first_part = name.split(",", 1)
        l_, f = _tokens(last_part), _tokens(first_part)
        if not l_:  # "Jane Doe, MD" style: the comma held a suffix
            return name_key(first_part)
        if not f:
            return name_key(last_part)
        return NameKey(f[0], " ".join(l_))
    toks = _tokens(name)
    if not toks:
        return None
    if len(toks) == 1:
        return NameKey("", toks[0])
    return NameKey(toks[0], toks[-1])  # middle names and initials are dropped


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance with adjacent transpositions, stopping early above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _last_edits(a: str, b: str, limit: int) -> int:
    """Edits between family names; 0 when one is part of a compound ("Garcia Lopez" and "Lopez")."""
    if a.replace(" ", "") == b.replace(" ", ""):
        return 0
    ta, tb = set(a.split()), set(b.split())
    if ta and tb and (ta <= tb or tb <= ta):
        return 0
    return edit_distance(a.replace(" ", ""), b.replace(" ", ""), limit)


def _score(key: NameKey, other: NameKey, max_edits: int, min_length: int) -> int | None:
    """0 = same key; 1 = same names in another form; 2 = an initial; 3 = spelling slips; None = no match."""
    if key.flat == other.flat:
        return 0
    best: int | None = None
    swapped = NameKey(key.last.split()[-1] if key.last else "", key.first)  # "Doe Jane" without a comma
    for k in (key, swapped):
        if not k.first or not other.first or not k.last or not other.last:
            continue
        last = _last_edits(k.last, other.last, max_edits)
        if k.first == other.first and last == 0:
            score = 1
        elif last == 0 and min(len(k.first), len(other.first)) == 1 and k.first[0] == other.first[0]:
            score = 2
        else:
            edits = last + edit_distance(k.first, other.first, max_edits)
            long_enough = min(len(k.flat), len(other.flat)) >= min_length
            score = 3 if edits <= max_edits and long_enough else None
        if score is not None:
            score += 0 if k is key else 1
            best = score if best is None else min(best, score)
    return best


@dataclass
class Match:
    client: Client | None
    reason: str  # exact | fuzzy | ambiguous | none | no_name


def find_client(session: Session, name: str | None, dob: date | None, *,
                max_edits: int = 1, min_length: int = 8) -> Match:
    """The one client with this DOB whose name matches best; without a DOB, only an exact name that
    belongs to exactly one client matches."""
    key = name_key(name)
    if key is None:
        return Match(None, "no_name")
    if dob is None:
        rows = session.scalars(select(Client).where(Client.last_norm == key.last,
                                                    Client.first_norm == key.first).limit(2)).all()
        return Match(rows[0], "exact") if len(rows) == 1 else Match(None, "ambiguous" if rows else "none")
    scored: list[tuple[int, Client]] = []
    for client in session.scalars(select(Client).where(Client.dob == dob)):
        s = _score(key, NameKey(client.first_norm, client.last_norm), max_edits, min_length)
        if s is not None:
            scored.append((s, client))
    if not scored:
        return Match(None, "none")
    scored.sort(key=lambda t: (t[0], t[1].id))
    best = scored[0][0]
    winners = [c for s, c in scored if s == best]
    if len(winners) > 1:
        return Match(None, "ambiguous")
    return Match(winners[0], "exact" if best == 0 else "fuzzy")
