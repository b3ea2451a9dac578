"""Property-based tests: any text in, a value or None out, never an exception; and phrases
generated from a value parse back to that value."""

from datetime import date

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from parsers import icd10
from parsers.fields.codes import find_cpt, find_icd10
from parsers.fields.dates import find_dates, format_variants, parse_date
from parsers.fields.frequency import parse_schedule
from parsers.fields.npi import check_digit, find_npi, luhn_ok
from parsers.fields.numbers import WORDS

# text that looks like prescriptions: digits, separators, code letters, keywords, unicode
ALPHABET = st.sampled_from(list("0123456789/-.,:;()[]#xX MSGRO$lIB\n\tés☒") +
                           ["weeks", "wk", "visits", "x/week", "Dx:", "NPI", "DOB", "twice", "then", "Nov", "for"])
NOISY = st.lists(ALPHABET, max_size=60).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=200), NOISY)
SETTINGS = settings(max_examples=150, deadline=None)


@SETTINGS
@given(ANY_TEXT)
def test_date_parser_total(text):
    value = parse_date(text)
    assert value is None or isinstance(value, date)
    for f in find_dates(text):
        assert 0 <= f.start < f.end <= len(text)


@SETTINGS
@given(ANY_TEXT)
def test_schedule_parser_total(text):
    s = parse_schedule(text)
    assert s.visits is None or (isinstance(s.visits, int) and 0 < s.visits <= 200 * 14)
    assert s.per_week is None or 0 < s.per_week <= 14
    assert s.weeks is None or 0 < s.weeks


@SETTINGS
@given(ANY_TEXT)
def test_code_parsers_total(text):
    for f in find_icd10(text, icd10.lookup):
        assert f.code == f.code.upper() and (len(f.code) == 3 or f.code[3] == ".")
    assert all(len(c) == 5 and c.isdigit() for c in find_cpt(text))


@SETTINGS
@given(ANY_TEXT)
def test_npi_parser_total(text):
    npi = find_npi(text)
    assert npi is None or (len(npi) == 10 and npi.isdigit())


@SETTINGS
@given(st.dates(min_value=date(1920, 1, 1), max_value=date(2035, 12, 31)), st.integers(0, 7))
def test_date_round_trip(d, variant):
    phrase = format_variants(d)[variant]
    if "-" in phrase[:3] and len(phrase) <= 8 or phrase.count("/") == 2 and len(phrase.split("/")[-1]) == 2:
        # two-digit years pivot on the century; only compare within the window they can express
        assert parse_date(f"Date: {phrase}") in (d, d.replace(year=d.year + 100), d.replace(year=d.year - 100))
    else:
        assert parse_date(f"Date: {phrase}") == d


NUM_WORDS = {v: k for k, v in WORDS.items() if len(k) > 2 and "-" not in k}


@SETTINGS
@given(st.integers(1, 5), st.integers(1, 12), st.sampled_from([
    "{p}x/week x {w} weeks", "{p}x per wk for {w} wks", "{p} times a week for {w} weeks",
    "Frequency: {p}x/week Duration: {w} weeks", "{p} time per week, duration {w} weeks",
    "{pw} times weekly for {ww} weeks", "massage {p}x/wk x {w} wks, then reassess"]))
def test_frequency_round_trip(p, w, template):
    phrase = template.format(p=p, w=w, pw=NUM_WORDS.get(p, p), ww=NUM_WORDS.get(w, w))
    s = parse_schedule(phrase)
    assert (s.per_week, s.weeks, s.visits) == (p, w, p * w), phrase


@SETTINGS
@given(st.integers(1, 60), st.sampled_from(["{n} visits", "# of visits: {n}", "Number of visits: {n}",
                                            "{n} sessions", "Total visits: {n}", "{word} ({n}) sessions"]))
def test_visit_count_round_trip(n, template):
    assume("{word}" not in template or n in NUM_WORDS)
    phrase = template.format(n=n, word=NUM_WORDS.get(n))
    assert parse_schedule("Massage therapy, " + phrase + ". Claim #: 99812").visits == n


@SETTINGS
@given(st.sampled_from(["M54.2", "M62.838", "M79.7", "S13.4XXA", "G44.209", "M75.01", "R51.9", "M25.511"]),
       st.sampled_from(["Dx: {c}", "Diagnosis: pain ({c})", "ICD-10: {u}", "[{c}]", "Dx {l}"]))
def test_code_round_trip(code, template):
    text = template.format(c=code, u=code.replace(".", ""), l=code.lower())
    assert [f.code for f in find_icd10(text, icd10.lookup)] == [code]


@SETTINGS
@given(st.from_regex(r"[12][0-9]{8}", fullmatch=True), st.sampled_from(["NPI: {n}", "NPI # {n}", "(NPI {n})",
                                                                       "Jane Doe, MD  NPI {n}  Fax 5415550148"]))
def test_npi_round_trip(first9, template):
    npi = first9 + check_digit(first9)
    assert luhn_ok(npi)
    assert find_npi(template.format(n=npi)) == npi


@settings(max_examples=60, deadline=None)
@given(ANY_TEXT, st.booleans(), st.floats(0, 100))
def test_whole_prescription_reader_total(text, ocr, conf):
    from parsers.fields.confidence import ConfText
    from parsers.fields.detect import prescription_score
    from parsers.prescription import read_prescription

    ct = ConfText(text, "ocr" if ocr else "text_layer", [conf if ocr else None] * len(text))
    assert prescription_score(text) >= 0
    rx, alerts = read_prescription(ct, 60, body=not ocr, header_date=date(2026, 11, 3))
    assert all(a.code in {"low_confidence", "frequency_range"} for a in alerts)
    if ocr and conf < 30:
        assert rx.patient.name is None and rx.patient.dob is None and rx.visits is None and not rx.diagnoses
