"""Counts written in digits or words: "12", "twelve", "six (6)", "twice"."""

from __future__ import annotations

WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "twenty-four": 24, "thirty": 30,
    "thirty-six": 36, "forty": 40, "a": 1, "an": 1, "single": 1,
}
TIMES = {"once": 1, "twice": 2, "thrice": 3}
_WORD_RE = "|".join(sorted((w for w in WORDS if len(w) > 2), key=len, reverse=True))
# a count: "12", "twelve", "six (6)", "twenty four"
NUMBER = rf"(?:\d{{1,3}}(?:\.5)?|(?:{_WORD_RE})(?:[\s-]+(?:one|two|three|four|five|six|seven|eight|nine))?(?:\s*\(\s*\d{{1,3}}\s*\))?)"


def to_number(text: str) -> float | None:
    """ "12" -> 12, "six (6)" -> 6 (the digits win), "twenty four" -> 24; None if not a count."""
    t = (text or "").strip().lower()
    if "(" in t and ")" in t:
        inner = t[t.index("(") + 1:t.index(")")].strip()
        if inner.isdigit():
            return float(inner)
        t = t[:t.index("(")].strip()
    try:
        return float(t)
    except ValueError:
        pass
    if t in TIMES:
        return float(TIMES[t])
    parts = t.replace("-", " ").split()
    if not parts or any(p not in WORDS for p in parts):
        return None
    if len(parts) == 1:
        return float(WORDS[parts[0]])
    if len(parts) == 2 and WORDS[parts[0]] >= 20 and WORDS[parts[1]] < 10:
        return float(WORDS[parts[0]] + WORDS[parts[1]])
    return None
