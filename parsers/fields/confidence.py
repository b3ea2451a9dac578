"""Where each character of a document's text came from and how sure OCR was of it.

The text fields are parsed from is the pages joined; `ConfText.conf(start, end)` gives the lowest
word confidence over a span, so a value read from shaky OCR words can be refused. Each character of
an OCR'd page also knows the word it belongs to (`words`), with the word's box and line on its
page, so a value can be checked against where it sits on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parsers.documents import PageText, Word

PAGE_SEP = "\n\f\n"


@dataclass(slots=True)
class ConfText:
    text: str
    source: str  # "text_layer" | "ocr" | "body"
    _conf: list[float | None] = field(default_factory=list)
    # per character: (page index, word) of the OCR word it was read in; empty when no page was OCR'd
    _word: list[tuple[int, Word] | None] = field(default_factory=list)

    def words(self, start: int, end: int) -> list[tuple[int, Word]]:
        """The OCR words over text[start:end], each once, in reading order."""
        out: list[tuple[int, Word]] = []
        for i in range(max(start, 0), min(end, len(self._word))):
            pw = self._word[i]
            if pw is not None and (not out or out[-1][1] is not pw[1]):
                out.append(pw)
        return out

    def page_words(self, page: int) -> list[Word]:
        """Every OCR word of one page (in the order read)."""
        seen: dict[int, Word] = {}
        for pw in self._word:
            if pw is not None and pw[0] == page:
                seen.setdefault(id(pw[1]), pw[1])
        return list(seen.values())

    def conf(self, start: int, end: int) -> float | None:
        """Lowest OCR word confidence over text[start:end]; None when no OCR word is there."""
        vals = [c for c in self._conf[start:end] if c is not None]
        return min(vals) if vals else None

    def mean(self, start: int, end: int) -> float | None:
        """Mean OCR confidence over text[start:end] (per character); None when no OCR word is there."""
        vals = [c for c in self._conf[start:end] if c is not None]
        return sum(vals) / len(vals) if vals else None


def join_pages(pages: list[PageText]) -> ConfText:
    parts: list[str] = []
    confs: list[float | None] = []
    owners: list[tuple[int, Word] | None] = []
    kinds = set()
    for i, page in enumerate(pages):
        if i:
            parts.append(PAGE_SEP)
            confs.extend([None] * len(PAGE_SEP))
            owners.extend([None] * len(PAGE_SEP))
        text = page.text or ""
        page_conf: list[float | None] = [None] * len(text)
        page_owner: list[tuple[int, Word] | None] = [None] * len(text)
        if page.source == "ocr":
            cursor = 0
            for w in page.words:
                if not w.text:
                    continue
                at = text.find(w.text, cursor)
                if at < 0:
                    continue
                if w.conf is not None and w.conf >= 0:
                    for k in range(at, at + len(w.text)):
                        page_conf[k] = float(w.conf)
                for k in range(at, at + len(w.text)):
                    page_owner[k] = (i, w)
                cursor = at + len(w.text)
        if text.strip():
            kinds.add(page.source)
        parts.append(text)
        confs.extend(page_conf)
        owners.extend(page_owner)
    source = "ocr" if "ocr" in kinds else (kinds.pop() if kinds else "none")
    return ConfText("".join(parts), source, confs, owners if source == "ocr" else [])
