"""Which payer's overrides apply: the insurance written on the script (rules/payer.py), end to end."""

from __future__ import annotations

import json
import subprocess
from email.message import EmailMessage

import pytest

from rules.engine import parse_rules
from rules.payer import insurance_lines, payer_for
from tests.conftest import ROOT

RULES = parse_rules("""
payers:
  - name: Harbor Mutual
    aliases: [HMI, Harbor Mutual Insurance]
    procedures: ["97124"]
  - name: Cove Health
    covered_codes: [M54]
""", "t.yaml")


@pytest.mark.parametrize(("text", "payer"), [
    ("Patient: Jane Roe\nInsurance: Harbor Mutual PPO  ID HM-88231\n", "Harbor Mutual"),
    ("PATIENT NAME        INSURANCE / ID #\nJane Roe            HMI 88231\n", "Harbor Mutual"),  # form column
    ("Payer: cove health (Medicare Advantage)", "Cove Health"),
    ("Insurance: Hârbor  Mutual", "Harbor Mutual"),  # accents, spacing
    ("Harbor Mutual Clinic, 12 Main St\nInsurance: Blue Ridge Plan", None),  # a letterhead does not count
    ("Insurance: Harbor Mutual; secondary: Cove Health", None),  # two payers named: none chosen
    ("Insurance: HMIX Trust", None),  # an alias counts only as whole words
    ("Dx: M54.2 Cervicalgia", None),
])
def test_the_payer_is_the_one_the_insurance_line_names(text, payer):
    assert payer_for(RULES, [text]) == payer


def test_no_payers_in_the_rules_means_no_search():
    assert payer_for(parse_rules("max_age_days: 90\n", "t.yaml"), ["Insurance: Harbor Mutual"]) is None


def test_insurance_lines_take_the_value_and_the_line_below():
    assert insurance_lines("a\nInsurance: X Health\nnext\n") == [": X Health", "next"]


def test_extract_applies_the_payer_override(tmp_path):
    """A script for a payer that pays only for massage: 97140 on it is `procedure_not_covered`."""
    rules = tmp_path / "rules.yaml"
    rules.write_text('payers:\n  - name: Harbor Mutual\n    procedures: ["97124"]\n')
    body = ("Massage therapy referral\nPatient: Dana Kowalczyk   DOB: 04/12/1979\n"
            "Insurance: Harbor Mutual PPO, member HM-55120\n"
            "Dx: M54.2 Cervicalgia\nCPT 97124 massage, 97140 manual therapy\n"
            "Frequency: 2x/week for 4 weeks (8 visits)\nStart date: 11/02/2026\n"
            "Ordering physician: Dr. Priya Raman, MD  NPI 1234567893\nDate: 11/01/2026\n")
    outs = {}
    for name, text in (("harbor", body), ("other", body.replace("Harbor Mutual PPO", "Blue Ridge Plan"))):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "office@clinic.example", "intake@massage.example", "Rx"
        msg["Date"] = "Mon, 02 Nov 2026 09:00:00 -0500"
        msg.set_content(text)
        path = tmp_path / f"{name}.eml"
        path.write_bytes(bytes(msg))
        run = subprocess.run([str(ROOT / ".venv/bin/rxintake"), "extract", str(path)], capture_output=True,
                             text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "RXINTAKE_RULES_FILE": str(rules)})
        assert run.returncode == 0, run.stderr
        outs[name] = json.loads(run.stdout)
    harbor = [a for a in outs["harbor"]["alerts"] if a["code"] == "procedure_not_covered"]
    assert len(harbor) == 1 and "97140" in harbor[0]["message"] and outs["harbor"]["status"] == "needs_review"
    assert not any(a["code"] == "procedure_not_covered" for a in outs["other"]["alerts"])
    assert outs["harbor"]["prescription"]["procedures"] == outs["other"]["prescription"]["procedures"]
    assert (outs["harbor"]["payer"], outs["other"]["payer"]) == ("Harbor Mutual", None)
