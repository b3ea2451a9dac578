"""The prescriber's name: "Authorizing provider: DELACROIX, CLAIRE DO", "Electronically signed by:
Claire Delacroix, DO", a signature block "Elena Delacroix, MD", an Rx pad heading "YUKI GREENBERG M.D."."""

from __future__ import annotations

import re

from parsers.fields.patient import CREDENTIALS, clean_name

_LABEL = re.compile(r"(?:authori[sz]ing|ordering|referring|prescribing|attending|treating|signing|rendering)\s+(?:provider|physician|clinician|doctor)"
                    r"|(?:provider|physician|prescriber|doctor|referred\s+by|electronically\s+signed\s+by|signed\s+by|ordered\s+by)",
                    re.I)
_NAME_CRED = re.compile(rf"(?<![\w'’.\-])(?:Dr\.?[ \t]+)?((?:[^\W\d_][\w'’.\-]*[ \t]+){{1,3}}[^\W\d_][\w'’\-]*),?[ \t]+({CREDENTIALS})(?![A-Za-z])")
_DR = re.compile(r"\bDr\.?[ \t]+((?:[A-Z][\w'’.\-]*[ \t]+){0,2}[A-Z][\w'’\-]+)")


def _with_cred(name: str | None, cred: str | None) -> str | None:
    if not name:
        return None
    return f"{name}, {cred}" if cred else name


def find_prescriber(text: str) -> str | None:
    """The prescriber as "First Last, CRED" (credential kept when written), or None."""
    text = text or ""
    for m in _LABEL.finditer(text):
        nl = text.find("\n", m.end())
        line = text[m.end():nl if nl >= 0 else len(text)][:120]
        line = re.sub(r"^[\s:#\-–]+", "", line)
        line = re.split(r"\s(?:on|at)\s+\d|\(|\s{2,}|\bNPI\b|\d", line)[0].rstrip(" -–—|,;:")
        cred = None
        cm = re.search(rf",?\s+({CREDENTIALS})\s*$", line)
        if cm:
            cred = cm.group(1)
            line = line[:cm.start()]
        name = clean_name(line)
        if name:
            return _with_cred(name, cred)
    for m in _NAME_CRED.finditer(text):
        name = clean_name(m.group(1))
        if name:
            return _with_cred(name, m.group(2))
    m = _DR.search(text)
    if m:
        name = clean_name(m.group(1))
        if name:
            return name
    return None
