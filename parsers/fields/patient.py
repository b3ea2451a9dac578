"""Person names as written on prescriptions: "DOE, JANE", "Jane Q. Doe", "Björn Åkesson",
"O'Brien", "Van der Berg" -> "First [M.] Last" (capitals kept unless the whole name was shouted).
"""

from __future__ import annotations

import re

# one name word: letters (any script), apostrophes, hyphens; or an initial "Q."
_WORD = r"(?:[^\W\d_](?:[^\W\d_]|['’\-])*\.?)"
NAME_RE = re.compile(rf"{_WORD}(?:,?\s+{_WORD}){{1,4}}")
STOP_WORDS = {
    "mrn", "sex", "dob", "date", "birth", "address", "phone", "male", "female", "age", "insurance", "id",
    "member", "the", "for", "is", "was", "patient", "name", "and", "with", "has", "who", "please", "referral",
    "diagnosis", "dx", "icd", "rx", "order", "npi", "from", "to", "of", "in", "at", "on", "re", "y", "o",
    "would", "will", "massage", "therapy", "account", "gender", "dos", "ssn", "home", "cell", "tel", "fax",
    "street", "st", "road", "rd", "ave", "drive", "dr", "blvd", "mr", "mrs", "ms", "miss", "md", "do",
    "provider", "physician", "doctor", "prescriber", "referring", "ordering", "mrn", "acct", "insurance", "payer",
}
CREDENTIALS = r"(?:M\.?D\.?|D\.?O\.?|N\.?P\.?|P\.?A\.?-?C?|FNP(?:-[A-Z]+)?|DNP|DPM|DC|D\.?C\.?|RN|APRN|ARNP|PT|DPT|ANP|CNP|MBBS|PhD|FACP|FAAFP)"


def _fix_case(words: list[str]) -> list[str]:
    letters = "".join(ch for w in words for ch in w if ch.isalpha())
    if letters and letters.isupper() and len(letters) > 3:
        return ["-".join(p[:1].upper() + p[1:].lower() for p in w.split("-")) for w in words]
    return words


def clean_name(raw: str) -> str | None:
    """ "DOE, JANE Q" -> "Jane Q. Doe"; None if what remains does not look like a name."""
    if not raw:
        return None
    raw = re.sub(r"\s+", " ", raw).strip(" ,;:-|")
    raw = re.sub(rf",?\s*\b{CREDENTIALS}$", "", raw).strip(" ,")
    if raw.count(",") == 1:
        last, first = (p.strip() for p in raw.split(","))
        if not last or not first:
            return None
        words = first.split() + last.split()
    else:
        words = raw.replace(",", " ").split()
    words = [w for w in words if w.lower().strip(".") not in {"mr", "mrs", "ms", "dr", "miss"}]
    if len(words) < 2 or len(words) > 5:
        return None
    if any(w.lower().strip(".") in STOP_WORDS - {"do", "y", "o"} for w in words):
        return None
    if not all(re.fullmatch(_WORD, w) for w in words):
        return None
    words = [w + "." if len(w) == 1 else w for w in words]
    if words[0].endswith(".") and len(words[0]) == 2:
        return None  # "J. Doe": a first initial alone is not enough to match a client
    return " ".join(_fix_case(words))


def leading_name(text: str) -> str | None:
    """The name at the start of `text` (a form row: "Tanaka, Caleb 10/24/1983 (520) 555-4071")."""
    from parsers.fields.dates import find_dates

    text = text.strip()
    # debris before a name in a form cell ("a) Mitchell, Lauren", "| Young, G"): the caller's span keeps it,
    # so its OCR confidence still counts
    text = re.sub(r"^(?:(?:[^\w\s]+|[a-z]\)|[a-z])\s+){1,3}", "", text)  # whole debris tokens only, never part of a word
    # a form's underline glued to a word by OCR ("Robert —E. Flores")
    text = re.sub(r"(?:(?<=\s)|^)[—–~_]+(?=[^\W\d_])", "", text)
    dates = find_dates(text)
    if dates:
        text = text[:dates[0].start]
    # stop at the next value (a whole token holding a digit: "W4/1A4A" is no initial), column or label
    text = re.split(r"\S*[\d(]|\s{3,}|\t|\s(?=[^\W\d_][\w'’.\-]*:)", text, maxsplit=1)[0]
    m = NAME_RE.match(text)
    if not m:
        return None
    words = re.split(r"(\s+)", m.group(0))
    # stop at the first word that is a label or a stop word
    kept = []
    shouted = None
    for w in words:
        core = w.strip(",. ")
        if core and core.lower() in STOP_WORDS:
            break
        if core and len(core) > 1:
            if shouted is None:
                shouted = core.isupper()
            elif shouted and not core.isupper():
                break  # "NELSON, RYAN pate": a misread label after a name in capitals
        kept.append(w)
    return clean_name("".join(kept))


# the labels as OCR also reads them: "Narne", "Patlent", "Name;"
_NAME = r"na(?:m|rn)e"
_PATIENT = r"pat[il1|]ent"
_PT_LABEL = re.compile(rf"(?<![A-Za-z])(?:{_PATIENT}(?:'s)?\s*(?:full\s*)?{_NAME}|pt\.?\s*{_NAME}|client\s*{_NAME}|member\s*{_NAME}"
                       rf"|{_PATIENT}|pt|client|{_NAME}|re|regarding)\s*(?:\([^)\n]{{0,20}}\))?(?:\s*[:;]\s*|\s+[-–]\s+)", re.I)
_PT_BARE = re.compile(rf"^[ \t]*(?i:{_PATIENT}[ \t]+{_NAME}|{_PATIENT}|{_NAME})[ \t]+(?=[^\W\d_])", re.M)
_PT_HEADER = re.compile(r"(?<![A-Za-z])patient(?:'s)?\s+name(?:\s*\([^)\n]*\))?", re.I)
_NOT_PATIENT = re.compile(r"provider|physician|printed|doctor|prescriber|signature|emergency|insured|guarantor|contact|"
                          r"practice|facility|clinic|user|refer\s+to|department|plan|insurance", re.I)
_CAP = r"[^\W\d_a-z][\w'’\-]*"
_PART = r"(?:van|von|de|der|den|del|della|la|le|da|di|du|dos|das|st\.?)"
# "Tyler Schmidt", "Tamika Van der Berg", "Maria de la Cruz", "Robert E. Flores" (",": "DOE, JANE")
_NAMEPAT = rf"{_CAP}(?:,?[ \t]+(?:[A-Z]\.|[A-Z](?=[ \t])|{_PART}(?=[ \t])|{_CAP})){{1,4}}"
_TITLE = r"(?:(?:Mr|Mrs|Ms|Miss|Mx)\.?[ \t]+)?"
_PROSE = re.compile(rf"(?i:my patient|our (?:mutual )?patient|the patient|patient|referring|refer|treat|seeing|schedule|see|"
                    rf"prescription for|referral for|order for|rx for)"
                    rf",?[ \t]+{_TITLE}({_NAMEPAT})"
                    rf"(?=[ \t]*(?:[,(.]|for\b|who\b|is\b|has\b|DOB\b|\n|$))")
_LEAD_DOB = re.compile(rf"^{_TITLE}({_NAMEPAT})[ \t]*[(,/–-][ \t]*(?i:DOB|D\.O\.B|date of birth|birth ?date|born)", re.M)


PARTICLES = {"de", "la", "da", "di", "du", "le", "van", "von", "der", "del", "st", "al", "el", "ap", "bin", "ibn"}


def odd_tokens(name: str) -> bool:
    """A two-letter word that is neither an initial nor a particle ("Ct Mitchell"): on a scan,
    likelier OCR debris than part of the name."""
    return any(len(w) == 2 and not w.endswith(".") and w.lower() not in PARTICLES for w in name.split())


def without_inner_debris(name: str) -> str | None:
    """A scanned name with debris words between its first and last ("Lauren Ch Mitchell": a punch hole
    read as letters) dropped: first and last name still say who it is. None when the first or the
    last word itself looks like debris (the name cannot be trusted)."""
    words = name.split()
    odd = [odd_tokens(w) for w in words]
    if odd[0] or odd[-1]:
        return None
    kept = [w for w, o in zip(words, odd) if not o]
    return " ".join(kept) if len(kept) >= 2 else None


def _name_extent(rest: str, name: str) -> int:
    """Where the name's words end in `rest` (so that only the name's own OCR confidence counts)."""
    low = rest.lower()
    ends = [low.find(w.lower().rstrip(".")) + len(w.rstrip(".")) for w in name.split() if low.find(w.lower().rstrip(".")) >= 0]
    return max(ends) if ends else len(rest.rstrip())


def find_patient(text: str) -> tuple[str, int, int] | None:
    """The patient's name and where it was read: a label, a form column, else the prose of a letter."""
    text = text or ""
    for rx in (_PT_LABEL, _PT_BARE):
        for m in rx.finditer(text):
            line_start = max(text.rfind("\n", 0, m.start()) + 1, m.start() - 60)
            if _NOT_PATIENT.search(text[line_start:m.end()]):
                continue
            line_end = text.find("\n", m.end())
            rest = text[m.end():line_end if line_end >= 0 else len(text)][:120]
            name = leading_name(rest)
            if name:
                return name, m.end(), m.end() + _name_extent(rest, name)
    from parsers.fields.labels import column_values

    for hit in column_values(text, _PT_HEADER, "name"):
        return str(hit.value), hit.start, hit.end
    for rx in (_LEAD_DOB, _PROSE):
        for m in rx.finditer(text):
            name = clean_name(m.group(1))
            if name:
                return name, m.start(1), m.end(1)
    return None


# a value that starts this many characters (its own mean width) right of the edge its column's other
# lines share, up to COLUMN_REACH, has likely lost its first letters: a punch hole or a smudge ate them
DISPLACED_CHARS = 1.2
COLUMN_REACH = 3.0
COLUMN_LINES = 4  # lines above and below the name looked at for its column's edge


def _marks_only(w) -> bool:
    """An OCR word that is no text: no letter or digit ("|", "—", "~"), or a speck of one or two
    characters read as debris ("e" at 12)."""
    core = "".join(ch for ch in w.text if ch.isalnum())
    return not core or (len(w.text) <= 2 and w.conf is not None and 0 <= w.conf < 30)


def starts_right_of_column(ct, start: int, end: int) -> bool:
    """The name read at `ct.text[start:end]` opens its line on a scan but begins right of the left edge
    the lines above and below it share in that column ("ULLER, JURGEN" one letter's width in from
    "PATIENT NAME" over it and the address under it: a punch hole took the M of MÜLLER). Its first
    letters may be lost, so the name read cannot be trusted. False when the page positions are not
    known (a text layer, a body) or the column has no edge on both sides to compare with."""
    words = [pw for pw in ct.words(start, end) if not _marks_only(pw[1])]
    if not words:
        return False
    page, first = min(words, key=lambda pw: (pw[1].line, pw[1].left))
    if not first.text or first.width <= 0:
        return False
    on_page = ct.page_words(page)
    leading: dict[int, object] = {}
    for w in on_page:
        if _marks_only(w):
            continue  # a table rule ("|"), a hole or a speck read as a mark: not where a line's text starts
        if w.line not in leading or w.left < leading[w.line].left:
            leading[w.line] = w
    if leading.get(first.line) is not first:
        return False  # a label or another value before it on its line: not a column's first word
    char = first.width / len(first.text)
    above = below = False
    for line, w in leading.items():
        if (line == first.line or abs(line - first.line) > COLUMN_LINES
                or abs(w.top - first.top) > COLUMN_LINES * 2 * max(first.height, 1)):
            continue  # not a line next to it on the page
        shift = (first.left - w.left) / char
        if abs(shift) > COLUMN_REACH:
            continue  # another column, or a line indented on purpose
        if shift < DISPLACED_CHARS:
            return False  # a line of its column starts where it does
        above, below = above or w.top < first.top, below or w.top > first.top
    return above and below
