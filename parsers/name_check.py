"""The patient's name read from a scan, checked against the mail that carries it.

Offices often name the patient in the subject or the text of the covering mail ("Rx - Williams",
"Referral for Guadalupe Young", "a massage therapy prescription for Miguel Williams"). That text
was typed, so where the name OCR read on the page is close to a name in the mail (even when OCR
was unsure of it: "Miguel Willams"; or sure and wrong: "Jurgen Uller", a punch hole through the
M of Müller), the mail's spelling is taken. Two sources that agree but for OCR slips confirm each
other; a name the mail does not echo is left as the page gave it.

Only the surname and the given name are compared; the mail's words are taken only from a run of
capitalised words whose last word is the surname, so the sender's own name in the signature
("William Nelson" beside a patient "Miguel Willams") does not count.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

SURNAME_RATIO = 0.8  # how alike the surname on the page and in the mail must be (accents and case aside)
GIVEN_RATIO = 0.6  # the same for the given name, which OCR reads worse (it is often handwritten)

# capitalised words that are not names, which end a run of name words
_NOT_NAMES = {
    "rx", "re", "fw", "fwd", "referral", "referrals", "prescription", "order", "orders", "patient", "patients",
    "massage", "therapy", "hello", "hi", "dear", "please", "attached", "thanks", "thank", "regards", "best",
    "dr", "doctor", "mr", "mrs", "ms", "miss", "md", "do", "np", "pa", "dc", "dpt", "scan", "fax", "for",
    "the", "a", "an", "of", "and", "to", "from", "new", "updated", "urgent", "confidential", "confidentiality",
    "notice", "physical", "front", "desk", "dept", "clinic", "medicine", "medical", "center", "care", "health",
    "family", "internal", "orthopedic", "orthopedics", "spine", "chiropractic", "office", "script", "note",
}


def fold(word: str) -> str:
    """Lower case without accents: "Müller" -> "muller"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def _alike(a: str, b: str, ratio: float) -> bool:
    return SequenceMatcher(None, fold(a), fold(b)).ratio() >= ratio


def mail_names(text: str) -> list[list[str]]:
    """Runs of capitalised words in the mail: the names it may give ("Guadalupe Young", "Williams")."""
    runs: list[list[str]] = []
    run: list[str] = []
    for token in re.findall(r"\S+", text):
        word = token.strip("\"'()[]<>,;:!?")
        ends = token.rstrip("\"')]>").endswith((".", ",", ";", ":", "!", "?")) and not re.fullmatch(r"[A-Z]\.", word)
        word = word.rstrip(".") if not re.fullmatch(r"[A-Z]\.", word) else word
        if (re.fullmatch(r"[^\W\d_][^\W\d_'’\-]*\.?", word) and word[0].isupper()
                and fold(word.rstrip(".")) not in _NOT_NAMES):
            run.append(word)
            if ends:
                runs.append(run)
                run = []
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


def confirm(page_name: str, mail_text: str, given_trusted: bool) -> str | None:
    """The mail's spelling of `page_name` ("First [M.] Last" as read from the page), or None.

    A run of the mail ending in the surname and holding the given name gives the whole name (a
    middle name or initial the page has and the mail leaves out is kept); failing that, a run of
    the surname alone ("Rx - Lefèvre") gives its spelling only, and only when the given name on
    the page was read with confidence (`given_trusted`). Two different answers: None.
    """
    parts = page_name.split()
    if len(parts) < 2:
        return None
    given, surname = parts[0], parts[-1]
    whole: set[str] = set()
    spelling: set[str] = set()
    for run in mail_names(mail_text):
        if len(fold(run[-1])) < 2 or not _alike(run[-1], surname, SURNAME_RATIO):
            continue
        at = next((i for i, w in enumerate(run[:-1]) if _alike(w, given, GIVEN_RATIO)), None)
        if at is not None:
            words = run[at:] if len(run) - at >= len(parts) else [run[at], *parts[1:-1], run[-1]]
            whole.add(" ".join(words))
        elif len(run) == 1 and given_trusted:
            spelling.add(" ".join(parts[:-1] + [run[-1]]))
    found = whole or spelling
    return found.pop() if len(found) == 1 else None
