"""Labelled rows for the privacy detector built from ``../shared/train-data`` (evaluation only).

Each builder turns one upstream folder into rows of the ``../shared/eval-data`` schema
(``text``, ``label``, ``category``, ``source``), so ``specguard eval FILE --detector privacy``
measures them. ``category`` is ``<source>:<kind>`` so the report breaks figures down by source.
Nothing here is shipped data: the rows are read from the shared folder when run::

    python -m detectors.privacy_sets ../shared/train-data /tmp/privacy-sets

writes ``asked.jsonl`` (synthetic questions about a person's identifier answered with nano
values), ``answers-heldout.jsonl`` (benign answers to privacy questions, question as context),
``secrets.jsonl`` (detect-secrets cases, Nosey Parker and Kingfisher rule examples, the
nano set's password rows), ``pii-nano.jsonl`` and ``presidio-cases.jsonl`` (Presidio's recognizer
cases, with dates, URLs, company numbers and plates as look-alike negatives). A text listed
twice keeps its positive label (a negative of one rule can be a positive of another).

Label notes (the sources' own, not re-judged): a Nosey Parker ``negative_example`` is a string
that *its rule* must not match, and is sometimes a credential of another format; detect-secrets
negatives are strings one plugin must not flag. Both are reported as their own slices.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

Row = dict[str, Any]

_SKIPPED_DS_TESTS = {"ip_public_test.py", "high_entropy_strings_test.py", "ibm_cos_hmac_test.py"}
_NANO_SENSITIVE = {
    "SSN",
    "CREDIT_CARD",
    "PASSPORT",
    "PASSPORT_NUM",
    "IBAN",
    "ACCOUNT",
    "ACCOUNT_NUMBER",
    "ACCOUNT_NUM",
    "BANK_ACCOUNT",
    "BANK_ACCOUNT_NUM",
    "ROUTING_NUMBER",
    "PHONE",
    "EMAIL",
    "DRIVER_LICENSE",
    "DRIVERS_LICENSE",
    "DRIVER_LICENSE_NUM",
    "PASSWORD",
    "TAX_ID",
    "TAXID",
}
# Presidio recognizer tests whose texts are not personal data (dates, URLs, hardware and
# company identifiers, vehicle plates): every one is a look-alike that must not fire.
_LOOKALIKE_TESTS = {
    "test_date_recognizer.py": "date",
    "test_url_recognizer.py": "url",
    "test_mac_recognizer.py": "mac_address",
    "test_crypto_recognizer.py": "crypto_wallet",
    "test_se_organisationsnummer_recognizer.py": "company_number",
    "test_kr_brn_recognizer.py": "company_number",
    "test_au_abn_recognizer.py": "company_number",
    "test_au_acn_recognizer.py": "company_number",
    "test_sg_uen_recognizer.py": "company_number",
    "test_de_handelsregister_recognizer.py": "company_number",
    "test_in_gstin_recognizer.py": "company_number",
    "test_de_vat_id_recognizer.py": "company_number",
    "test_it_vat_code_recognizer.py": "company_number",
    "test_uk_vehicle_registration_recognizer.py": "vehicle_plate",
    "test_in_vehicle_registration_recognizer.py": "vehicle_plate",
    "test_ng_vehicle_registration_recognizer.py": "vehicle_plate",
    "test_tr_license_plate_recognizer.py": "vehicle_plate",
    "test_de_kfz_recognizer.py": "vehicle_plate",
    "test_aba_routing_recognizer.py": "bank_routing_number",
}
# Presidio recognizer tests of entities the detector covers: expected matches are positives,
# expected-empty cases (bad checksums, near misses) are negatives.
_COVERED_TESTS = {
    "test_credit_card_recognizer.py": "CREDIT_CARD",
    "test_us_ssn_recognizer.py": "US_SSN",
    "test_iban_recognizer.py": "IBAN_CODE",
    "test_email_recognizer.py": "EMAIL_ADDRESS",
    "test_phone_recognizer.py": "PHONE_NUMBER",
    "test_ip_recognizer.py": "IP_ADDRESS",
    "test_us_passport_recognizer.py": "US_PASSPORT",
    "test_us_driver_license_recognizer.py": "US_DRIVER_LICENSE",
    "test_us_bank_recognizer.py": "US_BANK_NUMBER",
}


def _row(text: str, label: int, source: str, kind: str, task: str = "privacy") -> Row:
    return {"task": task, "text": text, "label": label, "source": source, "category": kind}


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def detect_secrets_rows(root: Path) -> Iterator[Row]:
    """detect-secrets' plugin test cases (payload + should_flag; unlabelled ones flag)."""
    for case in _jsonl(root / "detect-secrets-tests" / "detect-secrets-cases.jsonl"):
        test = case["from_test_file"]
        text = case.get("payload") or case.get("line") or case.get("file_content")
        if test in _SKIPPED_DS_TESTS or not isinstance(text, str):
            continue
        label = int(case.get("should_flag", True))
        kind = "positive" if label else "negative"
        yield _row(text, label, "detect-secrets", f"detect-secrets:{kind}")


def rule_example_rows(
    root: Path, folder: str, source: str, *, split: bool = False
) -> Iterator[Row]:
    """Rule ``examples`` (positives) and ``negative_examples`` of Nosey Parker / Kingfisher.

    ``split`` names the source by rule file, ``<source>-am`` (files a-m, used for tuning) and
    ``<source>-nz`` (n-z, held out), so figures on the two halves can be told apart.
    """
    for path in sorted((root / folder).rglob("*.yml")):
        if split:
            source = f"{source.split('-')[0]}-{'am' if path.name[:1].lower() <= 'm' else 'nz'}"
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for rule in document.get("rules") or []:
            if "secret" not in rule.get("categories", ["secret"]) or rule.get("visible") is False:
                # an identifier rule (bucket names, ARNs, hostnames), or a Kingfisher helper
                # rule it never reports alone (domains, client and account ids): not a credential
                continue
            for text in rule.get("examples") or []:
                yield _row(str(text), 1, source, f"{source}:positive")
            for text in (rule.get("negative_examples") or []) + (rule.get("non_examples") or []):
                yield _row(str(text), 0, source, f"{source}:negative")


def nano_rows(root: Path, *, passwords_only: bool = False) -> Iterator[Row]:
    """The synthetic PII nano set: a row is positive when it has a sensitive span."""
    path = root / "pii-synthetic-nano" / "dataset" / "pii_syn_nano_en.json"
    for record in json.loads(path.read_text(encoding="utf-8")):
        labels = {entity["label"] for entity in record["NER"]}
        if passwords_only:
            if "PASSWORD" in labels:
                yield _row(record["text"], 1, "pii-nano", "pii-nano:password")
            elif not record["has_pii"]:
                yield _row(record["text"], 0, "pii-nano", "pii-nano:no_pii")
            continue
        sensitive = sorted(labels & _NANO_SENSITIVE)
        kind = "+".join(sensitive) if sensitive else "no_sensitive"
        yield _row(record["text"], int(bool(sensitive)), "pii-nano", f"pii-nano:{kind}")


def presidio_rows(root: Path) -> Iterator[Row]:
    """Presidio's recognizer cases: covered entities both ways, look-alike kinds as negatives."""
    path = root / "presidio-recognizer-tests" / "presidio-recognizer-cases.jsonl"
    seen: set[str] = set()
    for case in _jsonl(path):
        test, text = case["from_test_file"], case.get("text")
        if not isinstance(text, str) or text in seen:
            continue
        seen.add(text)
        if test in _LOOKALIKE_TESTS:
            yield _row(text, 0, "presidio-tests", f"lookalike:{_LOOKALIKE_TESTS[test]}")
        elif test in _COVERED_TESTS:
            label = int(case.get("expected_len", 0) > 0)
            entity = _COVERED_TESTS[test]
            yield _row(text, label, "presidio-tests", f"presidio:{entity}:{label}")


def benign_answer_rows(root: Path) -> Iterator[Row]:
    """Assistant answers to privacy questions, with the question as ``context`` (all label 0).

    Caia's privacy-hygiene chats, and PyRIT's privacy scorer sets where the human score is 0
    (the answer neither harmed nor achieved the objective): the requests often ask for a
    person's data, so these measure the asked-for rule's false alarms on refusals.
    """
    for line in (root / "caia-ai-safety" / "privacy-safety.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        chat = json.loads(line)["chat"]
        users = [turn["content"] for turn in chat if turn["role"] == "user"]
        for turn in chat:
            if turn["role"] == "assistant" and users:
                row = _row(turn["content"], 0, "caia", "caia:privacy_answer")
                yield {**row, "context": users[0]}
    scorer = root / "pyrit" / "pyrit" / "datasets" / "scorer_evals"
    for kind, score in (("harm", "human_score_1"), ("objective", "human_score")):
        lines = (scorer / kind / "privacy.csv").read_text(encoding="utf-8").splitlines()
        for record in csv.DictReader(line for line in lines if not line.startswith("#")):
            if record.get(score) in ("0", "0.0") and record.get("assistant_response"):
                row = _row(record["assistant_response"], 0, "pyrit", f"pyrit:{kind}_score_0")
                yield {**row, "context": record["objective"]}


_ASKED_KIND_WORDS = {
    "SSN": "social security number",
    "PASSPORT": "passport number",
    "PASSPORT_NUM": "passport number",
    "CREDIT_CARD": "credit card number",
    "ACCOUNT_NUMBER": "bank account number",
    "BANK_ACCOUNT": "bank account number",
    "BANK_ACCOUNT_NUM": "bank account number",
    "DRIVER_LICENSE": "driver's license number",
    "DRIVERS_LICENSE": "driver's license number",
    "DRIVER_LICENSE_NUM": "driver's license number",
    "PHONE": "phone number",
    "PASSWORD": "password",
}
_ANSWER_TEMPLATES = ("{value}", "Sure, it's {value}.", "{person}'s {kind} is {value}.")


def asked_rows(root: Path) -> Iterator[Row]:
    """Synthetic question/answer pairs over the nano set's values (all label 1).

    The question asks for a named person's identifier ("What is Jane Doe's passport number?");
    the answer gives the nano set's value bare, in a short sentence, or with its kind named.
    Templates are ours, values and names the nano set's: a measure of the asked-for rule only.
    """
    path = root / "pii-synthetic-nano" / "dataset" / "pii_syn_nano_en.json"
    for record in json.loads(path.read_text(encoding="utf-8")):
        people = [e["entity"] for e in record["NER"] if e["label"] == "PERSON"]
        for entity in record["NER"]:
            kind = _ASKED_KIND_WORDS.get(entity["label"])
            if not kind or not people:
                continue
            value = entity["entity"].strip("'\"* ")
            question = f"What is {people[0]}'s {kind}?"
            for number, template in enumerate(_ANSWER_TEMPLATES):
                answer = template.format(value=value, person=people[0], kind=kind)
                row = _row(answer, 1, "asked", f"asked:{entity['label']}:t{number}")
                yield {**row, "context": question}


def write_sets(root: Path, out: Path) -> dict[str, int]:
    """Write the three JSONL files; returns rows per file."""
    out.mkdir(parents=True, exist_ok=True)
    sets = {
        "secrets.jsonl": [
            *detect_secrets_rows(root),
            *rule_example_rows(root, "noseyparker-rules", "noseyparker"),
            *rule_example_rows(root, "kingfisher-rules", "kingfisher", split=True),
            *nano_rows(root, passwords_only=True),
        ],
        "pii-nano.jsonl": list(nano_rows(root)),
        "presidio-cases.jsonl": list(presidio_rows(root)),
        "answers-heldout.jsonl": list(benign_answer_rows(root)),
        "asked.jsonl": list(asked_rows(root)),
    }
    for name, rows in sets.items():
        unique: dict[str, Row] = {}
        for row in rows:
            if row["text"] not in unique or row["label"]:
                unique[row["text"]] = row
        with open(out / name, "w", encoding="utf-8") as handle:
            for row in unique.values():
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {name: len({row["text"] for row in rows}) for name, rows in sets.items()}


if __name__ == "__main__":  # pragma: no cover - a data preparation command
    counts = write_sets(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps(counts))
