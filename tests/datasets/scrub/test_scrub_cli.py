"""`consentry scrub`: JSON Lines in and out, spans on the input, one-line errors, no half files."""

from __future__ import annotations

import json

from consentry.cli import main


def _run(capsys, args, stdin_text, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(stdin_text))
    code = main(["scrub", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_scrub_writes_spans_on_the_input_text(capsys, monkeypatch, settings_env) -> None:
    lines = [
        {"id": 1, "text": "Mail anna@example.org, Anna Weber", "author_names": ["Anna Weber"]},
        {"id": "b", "text": "IBAN DE89 3704 0044 0532 0130 00 please"},
        {"id": 3, "text": "nothing personal here"},
    ]
    code, out, _ = _run(capsys, [], "\n".join(json.dumps(x) for x in lines) + "\n", monkeypatch)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [1, "b", 3]
    assert rows[0]["text"] == "Mail <EMAIL>, <PERSON>"
    for row, source in zip(rows, lines, strict=True):
        for span in row["spans"]:
            assert source["text"][span["start"] : span["end"]] not in row["text"]
    assert rows[1]["spans"] == [{"start": 5, "end": 32, "type": "IBAN"}]
    assert rows[2] == {"id": 3, "text": "nothing personal here", "spans": []}
    assert not settings_env.exists(), "no database was created as a side effect"


def test_malformed_line_names_the_line_and_writes_nothing(
    capsys, monkeypatch, tmp_path, settings_env
) -> None:
    target = tmp_path / "out.jsonl"
    stdin = '{"id": 1, "text": "a@b.com"}\n\n{"id": 2, "text": 5}\n'
    code, _, err = _run(capsys, ["--output", str(target)], stdin, monkeypatch)
    assert code == 2
    assert "line 3" in err and len(err.strip().splitlines()) == 1
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [settings_env] or list(tmp_path.iterdir()) == []


def test_names_file_and_output_file(capsys, monkeypatch, tmp_path, settings_env) -> None:
    names = tmp_path / "names.txt"
    names.write_text("# members\nQuinlan Zebrowski\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    stdin = '{"id": 7, "text": "Met Quinlan Zebrowski today"}\n'
    code, _, _ = _run(capsys, ["--names", str(names), "-o", str(target)], stdin, monkeypatch)
    assert code == 0
    row = json.loads(target.read_text(encoding="utf-8"))
    assert row["text"] == "Met <PERSON> today"


def test_names_from_db_reads_member_names(capsys, monkeypatch, tmp_path, settings_env) -> None:
    from sqlalchemy import insert

    from consentry.config import load_settings
    from consentry.store import migrate, open_engine
    from consentry.store.engine import utcnow
    from consentry.store.tables import Member

    settings_env.mkdir(parents=True)
    engine = open_engine(load_settings().database_url)
    migrate(engine)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(Member).values(
                handle="qz_77", first_name="Quinlan", last_name="Zebrowski",
                display_name="Quinlan Zebrowski", email="q@example.org", password_hash="x",
                region="PL", birth_date=now.date(), created_at=now, updated_at=now,
            )
        )  # fmt: skip
    engine.dispose()
    stdin = '{"id": 1, "text": "Quinlan Zebrowski (qz_77) says hi"}\n'
    code, out, _ = _run(capsys, ["--names-from-db"], stdin, monkeypatch)
    assert code == 0
    assert json.loads(out)["text"] == "<PERSON> (<PERSON>) says hi"


def test_region_hints_are_normalised_and_unknown_ones_refused(
    capsys, monkeypatch, tmp_path, settings_env
) -> None:
    # A hint is accepted as people type it and refused, naming the line, when unknown.
    stdin = '{"id": 1, "text": "ruf an: 030 12345678", "region": "de"}\n'
    code, out, _ = _run(capsys, [], stdin, monkeypatch)
    assert code == 0 and json.loads(out)["text"] == "ruf an: <PHONE>"
    code, out, _ = _run(capsys, ["--region", " de "], stdin.replace('"de"', "null"), monkeypatch)
    assert code == 0 and json.loads(out)["text"] == "ruf an: <PHONE>"
    target = tmp_path / "out.jsonl"
    code, _, err = _run(capsys, ["--region", "zz-zz", "-o", str(target)], stdin, monkeypatch)
    assert code == 2 and err.strip().count("\n") == 0 and "'zz-zz'" in err
    bad = '{"id": 1, "text": "x"}\n{"id": 2, "text": "y", "region": "Germany"}\n'
    code, _, err = _run(capsys, ["-o", str(target)], bad, monkeypatch)
    assert code == 2 and "line 2: unknown region code 'Germany'" in err
    assert not target.exists()


def test_names_from_db_include_erased_names(
    capsys, monkeypatch, sqlite_engine, sqlite_settings
) -> None:
    from builders import add_named_member, publish_default_policy
    from consentry.rights.erasure import erase

    publish_default_policy(sqlite_engine, sqlite_settings)
    member = add_named_member(sqlite_engine, "Xanthippe", "Vordermeyer")
    erase(sqlite_engine, sqlite_settings, member, source="admin", actor="test")
    stdin = '{"id": 1, "text": "Lunch with XANTHIPPE Vördermeyer today"}\n'
    code, out, _ = _run(capsys, ["--names-from-db"], stdin, monkeypatch)
    assert code == 0
    assert json.loads(out)["text"] == "Lunch with <PERSON> today"


def test_explain_names_the_detector_of_each_span(capsys, monkeypatch, settings_env) -> None:
    stdin = (
        json.dumps(
            {
                "id": 1,
                "text": "mail marta dot ilic at gmail dot com, IBAN DE89 3704 0044 0532 0130 00",
            }
        )
        + "\n"
    )
    code, out, _ = _run(capsys, ["--explain"], stdin, monkeypatch)
    assert code == 0
    row = json.loads(out)
    assert [(s["type"], s["detector"]) for s in row["spans"]] == [
        ("EMAIL", "deobfuscated:email"),
        ("IBAN", "validator:iban"),
    ]
    assert row["text"] == "mail <EMAIL>, IBAN <IBAN>"
    # Without --explain the spans keep their three keys.
    code, out, _ = _run(capsys, [], stdin, monkeypatch)
    assert set(json.loads(out)["spans"][0]) == {"start", "end", "type"}


def test_rules_only_is_said_on_stderr(capsys, monkeypatch, settings_env) -> None:
    monkeypatch.setenv("CONSENTRY_SCRUB_NER", "off")
    stdin = json.dumps({"id": 1, "text": "Had coffee with Margarethe Oppenheimer"}) + "\n"
    code, out, err = _run(capsys, [], stdin, monkeypatch)
    assert code == 0
    assert err.strip().splitlines() == [
        "notice: CONSENTRY_SCRUB_NER=off: names and places are found by rules only"
    ]
    assert json.loads(out)["spans"] == []


def test_a_wrong_ner_setting_is_one_line(capsys, monkeypatch, settings_env) -> None:
    monkeypatch.setenv("CONSENTRY_SCRUB_NER", "maybe")
    code, _, err = _run(capsys, [], '{"id": 1, "text": "x"}\n', monkeypatch)
    assert code == 2
    assert "CONSENTRY_SCRUB_NER must be on or off" in err and len(err.strip().splitlines()) == 1
