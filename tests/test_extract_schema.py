import json
import subprocess
import sys

import jsonschema

from tests.conftest import DEV, ROOT


def test_extract_cli_prints_schema_valid_json_lines(schema):
    files = [DEV / "dev006.eml", DEV / "dev003.eml"]
    out = subprocess.run([str(ROOT / ".venv/bin/rxintake"), "extract", *map(str, files)],
                         capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        jsonschema.validate(json.loads(line), schema)
