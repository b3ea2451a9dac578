"""Visits, frequency and duration: "12 visits", "2x/wk x 4 wks", "twice weekly for six weeks",
"3x/week for 4 weeks, then 2x/week for 4 weeks", "1-2x/week" (upper bound, flagged), "valid for 90 days".

`parse_schedule` only reads what is written; the CONTRACT's arithmetic (count wins, phases add
up) is done here too so that every caller gets the same answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsers.fields.numbers import NUMBER, to_number

_N = rf"(?P<lo>{NUMBER})(?:\s*(?:-|–|to|or)\s*(?P<hi>{NUMBER}))?"
_WEEK = r"(?:(?:w|vv)ks?|(?:w|vv)eeks?|weekly|(?:w|vv)k\.)"  # "vv": OCR reads a w as two v
FREQ_PATTERNS = [
    # 2x/week, 2 x per wk, 1-2x/week, 3 times a week, 1 time per week, 3 visits per week, 2/wk
    re.compile(rf"(?<![\w.]){_N}\s*(?:x|×|times?|visits?|sessions?|treatments?|days?)?\s*(?:/|per|a|each|every|p)\s*{_WEEK}(?![a-z])", re.I),
    re.compile(rf"(?<![\w.]){_N}\s*(?:x|×|times?|visits?|sessions?)\s*{_WEEK}(?![a-z])", re.I),
    # twice weekly, once a week, three times weekly
    re.compile(rf"(?<![\w])(?P<lo>once|twice|thrice)(?:\s*(?:-|to|or)\s*(?P<hi>twice|thrice|{NUMBER}\s*times))?\s*(?:a|per|each|every)?\s*{_WEEK}(?![a-z])", re.I),
    # Frequency: weekly / massage weekly x 6 weeks
    re.compile(r"(?<=frequency)[\s:]*(?P<lo>weekly)(?![a-z])", re.I),
    re.compile(r"(?<![\w-])(?P<lo>weekly)(?=\s*(?:x|×|for)\s*(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|twelve))", re.I),
    # medical shorthand: BIW, TIW, QW
    re.compile(r"(?<![\w])(?P<lo>BIW|TIW|QW|QWK)(?![\w])"),
]
_SHORTHAND = {"biw": 2, "tiw": 3, "qw": 1, "qwk": 1, "weekly": 1}
# "x 4 wks", "x4wks" (the x glued on by OCR or in haste)
WEEKS_RE = re.compile(rf"(?:(?<![\w.])|(?<=[^\w]x)|(?<=×)){_N}[\s-]*(?:(?:w|vv)ks?|(?:w|vv)eeks?)\b(?!\s*ago)", re.I)
COUNT_PATTERNS = [
    # "# of visits: 8", "Number of visits: 20", "Authorized visits - 12", "Visits: 12", "Total sessions 6"
    re.compile(rf"(?:(?:#|no\.?|number|num|total|qty|quantity|authori[sz]ed|approved|requested)\s*(?:of\s*)?)?"
               rf"(?:visits?|sessions?|treatments?)(?:\s*count)?\s*(?:(?:authori[sz]ed|requested|approved)\s*[:#=\-]?|[:#=\-])\s*{_N}(?![\d/.,]*\d)(?!\s*(?:x|×|times?)?\s*(?:/|per)\s*{_WEEK})", re.I),
    # "12 visits", "six (6) sessions", "8-12 treatments", "12 total visits"
    re.compile(rf"(?<![\w.]){_N}\s*(?:total\s+)?(?:(?:massage|therapy|therapeutic|treatment|physical|PT|MT|office|follow-up)\s+){{0,3}}(?:visits?|sessions?|treatments?|appointments?)\b"
               rf"(?!\s*(?:/|per|a|each|every)\s*{_WEEK})(?!\s*{_WEEK})", re.I),
    # "(8 total)", "a total of 8"
    re.compile(rf"\(\s*{_N}\s+total\s*\)", re.I),
    re.compile(rf"\ba\s+total\s+of\s+{_N}(?!\s*(?:weeks?|wks?|days?|months?|x|times|/))", re.I),
]
VALID_RE = re.compile(rf"(?:valid|good|effective|expires?|expiring)\s+(?:for\s+|in\s+|after\s+|within\s+|x\s*)?(?P<lo>{NUMBER})\s*(?P<unit>days?|months?)", re.I)
_JOIN_WORDS = re.compile(r"\b(?:for|over|x|duration|lasting|a|total|of|then|followed|by|and|times|at)\b|@", re.I)
_THEN = re.compile(r"\b(?:then|followed by|after that|thereafter)\b", re.I)


@dataclass(slots=True)
class Schedule:
    visits: int | None = None          # the answer the CONTRACT asks for
    stated_visits: int | None = None   # a count written on the page
    per_week: float | None = None
    weeks: float | None = None
    phases: list[tuple[float, float]] = field(default_factory=list)
    valid_days: int | None = None
    valid_months: int | None = None
    ranged: list[str] = field(default_factory=list)  # what was a range ("1-2x/week") and took its upper bound
    spans: list[tuple[int, int]] = field(default_factory=list)  # where the values used were read


def _value(m: re.Match, what: str, ranged: list[str]) -> float | None:
    lo = m.group("lo")
    hi = m.groupdict().get("hi")
    lo_v = _SHORTHAND.get(lo.lower()) if lo and lo.lower() in _SHORTHAND else to_number(re.sub(r"\s*times$", "", lo or ""))
    hi_v = to_number(re.sub(r"\s*times$", "", hi)) if hi else None
    if hi_v is not None and lo_v is not None and hi_v > lo_v:
        ranged.append(f"{what} {m.group(0).strip()}")
        return hi_v
    return lo_v


def _find_freqs(text: str, ranged: list[str]) -> list[tuple[int, int, float]]:
    out: list[tuple[int, int, float]] = []
    for pat in FREQ_PATTERNS:
        for m in pat.finditer(text):
            if any(m.start() < e and s < m.end() for s, e, _ in out):
                continue
            scratch: list[str] = []
            v = _value(m, "frequency", scratch)
            if v is not None and 0 < v <= 14:
                ranged.extend(scratch)
                out.append((m.start(), m.end(), v))
    return sorted(out)


def _joinable(gap: str, limit: int = 40) -> bool:
    """Only separators and joining words between a frequency and its duration."""
    if len(gap) > limit:
        return False
    rest = _JOIN_WORDS.sub(" ", gap)
    return not re.sub(r"[\s,;:.()\-–×/|_]+", "", rest)  # "|" and "_": table rules read by OCR


# a count OCR read with a letter for a digit ("l2 visits", "I0 sessions", "2x/wk x l0 wks"): a token of
# digits and look-alikes, at least one a real digit, right before a unit
_COUNT_SLIP = re.compile(r"(?<![\w.])(?=[0-9lIO|]*\d)[0-9lIO|]{2,3}(?=\s*(?:x|×|/|visits?|sessions?|treatments?|(?:w|vv)ks?|weeks?)\b)")
_SLIP_DIGITS = str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0"})


def parse_schedule(text: str) -> Schedule:
    """Read counts, frequencies, durations and validity from free text; never raises."""
    text = _COUNT_SLIP.sub(lambda m: m.group(0).translate(_SLIP_DIGITS), text or "")
    s = Schedule()
    ranged: list[str] = []
    freqs = _find_freqs(text, ranged)
    weeks = []
    for m in WEEKS_RE.finditer(text):
        if any(fs <= m.start() < fe for fs, fe, _ in freqs):
            continue
        v = _value(m, "duration", ranged)
        if v is not None and 0 < v <= 104:
            weeks.append((m.start(), m.end(), v))
    used: set[int] = set()
    phases: list[tuple[int, float, float]] = []
    phase_spans: dict[int, list[tuple[int, int]]] = {}
    for fs, fe, pw in freqs:
        for i, (ws, we, wk) in enumerate(weeks):
            if i in used:
                continue
            if (ws >= fe and _joinable(text[fe:ws])) or (we <= fs and _joinable(text[we:fs], 12)):
                phases.append((fs, pw, wk))
                phase_spans[fs] = [(fs, fe), (ws, we)]
                used.add(i)
                break
    if phases:
        chain = [phases[0]]
        for prev, cur in zip(phases, phases[1:]):
            if _THEN.search(text[prev[0]:cur[0]]) and cur[0] - prev[0] < 160:
                chain.append(cur)
            else:
                break
        s.phases = [(pw, wk) for _, pw, wk in chain]
        s.per_week = chain[0][1]
        s.weeks = sum(wk for _, _, wk in chain)
        s.spans = [sp for fs, _, _ in chain for sp in phase_spans[fs]]
    else:
        if freqs:
            s.per_week = freqs[0][2]
            s.spans.append(freqs[0][:2])
        if weeks:
            s.weeks = weeks[0][2]
            s.spans.append(weeks[0][:2])
    counts = []
    for pat in COUNT_PATTERNS:
        for m in pat.finditer(text):
            if any(fs <= m.start() < fe for fs, fe, _ in freqs):
                continue
            scratch: list[str] = []
            v = _value(m, "visits", scratch)
            if v is not None and 0 < v <= 200 and v == int(v):
                counts.append((m.start("lo"), int(v), scratch, m.end("hi") if m.group("hi") else m.end("lo")))
    if counts:
        counts.sort()
        s.stated_visits = counts[0][1]
        s.spans.append((counts[0][0], counts[0][3]))
        ranged.extend(counts[0][2])
    vm = VALID_RE.search(text)
    if vm:
        n = to_number(vm.group("lo"))
        if n is not None and n == int(n) and n > 0:
            if vm.group("unit").lower().startswith("day"):
                s.valid_days = int(n)
            else:
                s.valid_months = int(n)
    s.ranged = [r for r in ranged if not r.startswith("visits") or counts]
    if s.stated_visits is not None:
        s.visits = s.stated_visits
    elif s.phases:
        total = sum(pw * wk for pw, wk in s.phases)
        s.visits = int(total) if total == int(total) else None
    return s
