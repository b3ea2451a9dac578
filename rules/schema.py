"""The shape of a rules file, and reading one with errors that name the file, line and key.

The clinic edits the rules file by hand, so every mistake (an unknown key, a range such as
"M00-Z" or "M99-M00", a word where a number belongs) stops loading with a message a person
can act on, instead of silently checking prescriptions against the wrong rules.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from rxintake.errors import RulesError

RequiredField = Literal["patient.name", "patient.dob", "diagnoses", "visits", "start_date", "end_date",
                        "prescriber"]
ALL_REQUIRED: list[str] = list(RequiredField.__args__)  # type: ignore[attr-defined]
DEFAULT_COVERED = ["M00-M99", "S00-S99", "G43-G44", "G89", "R51", "R52"]  # when a file leaves it out


class CodeRange(BaseModel):
    """Codes from `low` to `high` inclusive, compared on as many characters as the bounds have."""

    model_config = ConfigDict(frozen=True)
    low: str
    high: str

    @classmethod
    def parse(cls, text: str) -> "CodeRange":
        from parsers.icd10 import normalize

        if not isinstance(text, str):
            raise ValueError(f"a code or a range such as M00-M99 is expected, not {text!r}")
        parts = [p.strip() for p in text.replace("\u2013", "-").replace("\u2014", "-").split("-")]
        if len(parts) == 1:
            parts = parts * 2
        if len(parts) != 2:
            raise ValueError(f"{text!r} is not a code or a range such as M00-M99")
        low, high = (normalize(p) for p in parts)
        for raw, code in zip(parts, (low, high)):
            if code is None:
                raise ValueError(f"{text!r}: {raw!r} is not an ICD-10-CM code (such as M00 or G44.2)")
        if len(low) != len(high):
            raise ValueError(f"{text!r}: both ends of a range need the same length, e.g. M00-M99 or G44.2-G44.4")
        if low > high:
            raise ValueError(f"{text!r}: the range runs backwards (did you mean {high}-{low}?)")
        return cls(low=low, high=high)

    def covers(self, code: str) -> bool:
        head = code[: len(self.low)]
        return self.low <= head <= self.high

    def __str__(self) -> str:
        return self.low if self.low == self.high else f"{self.low}\u2013{self.high}"


def _one_range(value: object) -> object:
    return value if isinstance(value, CodeRange) else CodeRange.parse(value)  # type: ignore[arg-type]


def _cpt(value: object) -> str:
    s = str(value).strip().upper()
    if not re.match(r"^[0-9]{4}[0-9A-Z]$", s):
        raise ValueError(f"{value!r} is not a CPT code (five characters, e.g. 97124)")
    return s


def _icd(value: object) -> str:
    from parsers.icd10 import normalize

    code = normalize(str(value))
    if code is None:
        raise ValueError(f"{value!r} is not an ICD-10-CM code")
    return code


Covered = Annotated[CodeRange, BeforeValidator(_one_range)]
Cpt = Annotated[str, BeforeValidator(_cpt)]
Icd = Annotated[str, BeforeValidator(_icd)]


class Policy(BaseModel):
    """What a payer may override: coverage and the age/expiry policy."""

    model_config = ConfigDict(extra="forbid")
    covered_codes: list[Covered] | None = None
    procedures: list[Cpt] | None = None
    max_age_days: int | None = Field(default=None, ge=1)
    expiry_warning_days: int | None = Field(default=None, ge=0)
    default_validity_days: int | None = Field(default=None, ge=1)


class Payer(Policy):
    name: str
    aliases: list[str] = Field(default_factory=list)

    def matches(self, payer: str) -> bool:
        return _fold(payer) in {_fold(n) for n in [self.name, *self.aliases]}


class Rules(BaseModel):
    """A clinic's rules; see rules/default.yaml for what each key means."""

    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    required: list[RequiredField] = Field(default_factory=lambda: list(ALL_REQUIRED))
    covered_codes: list[Covered] = Field(default_factory=lambda: [CodeRange.parse(r) for r in DEFAULT_COVERED])
    max_age_days: int | None = Field(default=None, ge=1)
    expiry_warning_days: int | None = Field(default=None, ge=0)
    default_validity_days: int | None = Field(default=None, ge=1)
    header_since: dict[Icd, date] = Field(default_factory=lambda: {"M54.5": date(2021, 10, 1)})
    payers: list[Payer] = Field(default_factory=list)

    def policy_for(self, payer: str | None) -> "Policy":
        """The policy in force: the payer's overrides on top of the clinic's defaults."""
        base = Policy(covered_codes=self.covered_codes, max_age_days=self.max_age_days,
                      expiry_warning_days=self.expiry_warning_days,
                      default_validity_days=self.default_validity_days)
        match = self.payer_named(payer)
        if match is None:
            return base
        overrides = match.model_dump(exclude_unset=True, exclude={"name", "aliases"})
        return base.model_copy(update={k: getattr(match, k) for k in overrides})

    def payer_named(self, payer: str | None) -> Payer | None:
        return next((p for p in self.payers if payer and p.matches(payer)), None)


def _fold(s: str) -> str:
    return " ".join(s.casefold().split())


# ------------------------------------------------------------------------- reading
def _node_at(node: yaml.Node | None, loc: tuple) -> yaml.Node | None:
    """The YAML node at a pydantic error location (deepest one found), to name its line."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            found = node.value[key]
        else:
            found = None
        if found is None:
            return node
        node = found
    return node


def _key_node(root: yaml.Node | None, loc: tuple) -> yaml.Node | None:
    """For an unknown key, the key itself (its line is where the typo is)."""
    parent = _node_at(root, loc[:-1])
    if isinstance(parent, yaml.MappingNode):
        return next((k for k, _ in parent.value if k.value == str(loc[-1])), None)
    return None


def _duplicate_key(node: yaml.Node | None) -> yaml.Node | None:
    """The second occurrence of a key in any mapping (YAML would silently keep the last)."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for k, v in node.value:
            if k.value in seen:
                return k
            seen.add(k.value)
            if (dup := _duplicate_key(v)) is not None:
                return dup
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if (dup := _duplicate_key(item)) is not None:
                return dup
    return None


def parse_rules(text: str, source: str) -> Rules:
    """Rules from YAML text; `source` names the file in error messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesError(f"{source}{where}: not valid YAML: {problem}") from exc
    dup = _duplicate_key(root)
    if dup is not None:
        raise RulesError(f"{source}, line {dup.start_mark.line + 1}: key {dup.value}: given twice "
                         "(only one can count: remove one)")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RulesError(f"{source}, line 1: the rules file must be a mapping of keys (version:, required:, ...)")
    try:
        rules = Rules.model_validate(data)
    except ValidationError as exc:
        raise RulesError(_describe(exc, root, source)) from exc
    return rules


def _describe(exc: ValidationError, root: yaml.Node | None, source: str) -> str:
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        # field validators on lists report the list; point at the offending item when named
        unknown = err["type"] == "extra_forbidden"
        node = _key_node(root, loc) if unknown else _node_at(root, loc)
        line = f", line {node.start_mark.line + 1}" if node is not None else ""
        key = ".".join(str(p) for p in loc) or "(top)"
        msg = err["msg"].removeprefix("Value error, ")
        if unknown:
            msg = "unknown key (a typo? see rules/default.yaml for the keys)"
        elif err["type"] == "literal_error" and loc and loc[0] == "required":
            msg = f"{err['input']!r} is not a field; use one of {', '.join(ALL_REQUIRED)}"
        elif err["type"] != "value_error" and "input" in err and not isinstance(err["input"], (dict, list)):
            msg = f"{msg} (found {err['input']!r})"
        lines.append((node.start_mark.line if node is not None else -1,
                      f"{source}{line}: key {key}: {msg}"))
    return "\n".join(text for _, text in sorted(lines, key=lambda x: x[0]))


def read_rules_file(path: Path) -> Rules:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RulesError(f"{path}: no such rules file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read the rules file: {exc}") from exc
    return parse_rules(text, str(path))
