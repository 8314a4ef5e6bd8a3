"""Checks events read from Hydra's stream the way an outside reader would, with no Hydra code.

    python3 validate.py SCHEMA_DIR NAMESPACE EVENTS.jsonl

SCHEMA_DIR holds what `hydra events schema --out DIR` writes (<type>.v<version>.schema.json); each input
line is {"seq", "subject", "event"} as test/outside-reader/reader.c prints it. Every event is validated
with Debian's python3-jsonschema against the schema of its type and version, and its subject is compared
with `<namespace>.<type>.<key>`, the key escaped as `hydra events info` describes. Prints one JSON summary.
"""

import base64
import json
import pathlib
import re
import sys

from jsonschema import Draft202012Validator

SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


def subject_key(key: str) -> str:
    if SAFE_KEY.match(key):
        return key
    return "~" + base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii").rstrip("=")


def main() -> int:
    schema_dir, namespace, events = pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
    validators = {}
    for file in schema_dir.glob("*.schema.json"):
        schema = json.loads(file.read_text())
        Draft202012Validator.check_schema(schema)
        validators[file.name.removesuffix(".schema.json")] = Draft202012Validator(schema)
    validated, types, failures, last_seq = 0, set(), [], 0
    for line in events.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        event, seq = record["event"], record["seq"]
        if seq <= last_seq:
            failures.append({"seq": seq, "problem": f"out of order after {last_seq}"})
        last_seq = seq
        name = f"{event.get('type')}.v{event.get('version')}"
        validator = validators.get(name)
        if validator is None:
            failures.append({"seq": seq, "problem": f"no schema {name}"})
            continue
        for error in validator.iter_errors(event):
            failures.append({"seq": seq, "type": name, "problem": error.message, "at": list(error.absolute_path)})
        expected = f"{namespace}.{event['type']}.{subject_key(event['key'])}"
        if record["subject"] != expected:
            failures.append({"seq": seq, "problem": f"subject {record['subject']}, expected {expected}"})
        validated += 1
        types.add(name)
    print(json.dumps({"validated": validated, "types": sorted(types), "failures": failures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
