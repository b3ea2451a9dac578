"""Which of the clinic's payers a message is for, from the insurance written on the script.

Per-payer overrides (rules file, `payers`) apply when the script names the payer: the words after
an insurance label ("Insurance: Harbor Mutual PPO, ID HM123", a form's "INSURANCE / ID #" column
with the value on the line below) hold a payer's name or alias as whole words, accents and case
aside. Nothing else in the text counts: a clinic's letterhead may well name an insurer it is not
billing. Two payers named, or none: no payer, and the clinic's defaults apply.
"""

from __future__ import annotations

import re
import unicodedata

from rules.schema import Payer, Rules

_LABEL = re.compile(r"\b(?:insurance|insurer|payer|payor|carrier|health\s+plan|plan\s+name|coverage)\b", re.I)


def _fold(text: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    return " " + " ".join(re.findall(r"[a-z0-9]+", plain)) + " "


def insurance_lines(text: str) -> list[str]:
    """The rest of each line with an insurance label, and the line below it (a form's column)."""
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        m = _LABEL.search(line)
        if m:
            out.append(line[m.end():])
            if i + 1 < len(lines):
                out.append(lines[i + 1])
    return out


def payer_for(rules: Rules, texts: list[str]) -> str | None:
    """The name of the one payer of `rules` the texts' insurance lines name, else None."""
    if not rules.payers:
        return None
    written = "".join(_fold(line) for text in texts for line in insurance_lines(text))
    named: list[Payer] = [p for p in rules.payers
                          if any(_fold(n).strip() and _fold(n) in written for n in [p.name, *p.aliases])]
    return named[0].name if len(named) == 1 else None
