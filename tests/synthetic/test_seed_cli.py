"""`consentry seed` and `consentry demo-accounts` as a user runs them."""

from __future__ import annotations

from sqlalchemy import text

from consentry.cli import main
from consentry.store import open_engine
from consentry.synthetic.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


def test_seed_prints_a_summary_and_refuses_a_second_run(settings_env, capsys):
    assert main(["init"]) == 0
    assert main(["seed", "--members", "60", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "Generated a network of 64 members" in out and "rows/s" in out
    assert main(["seed", "--members", "60"]) == 2
    err = capsys.readouterr().err
    assert "already has 64 members; use --reset" in err and "Traceback" not in err
    assert main(["seed", "--members", "30", "--reset"]) == 0
    assert "Generated a network of 34 members" in capsys.readouterr().out
    # A reset replaces the network and what refers to members, not the published policy.
    engine = open_engine(f"sqlite:///{settings_env / 'consentry.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM members")).scalar() == 34
        assert conn.execute(text("SELECT count(*) FROM policy_versions")).scalar() >= 1
    engine.dispose()


def test_demo_accounts_are_listed(capsys):
    assert main(["demo-accounts"]) == 0
    out = capsys.readouterr().out
    for account in DEMO_ACCOUNTS:
        assert account.email in out and account.region in out
    assert DEMO_PASSWORD in out and "recruiter" in out and "admin" in out


def test_bad_options_fail_without_a_traceback(settings_env, capsys):
    assert main(["init"]) == 0
    assert main(["seed", "--members", "0"]) != 0
    assert main(["seed", "--members", "many"]) != 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err


def test_seed_before_init_is_a_clear_error(settings_env, capsys):
    assert main(["seed", "--members", "10"]) == 2
    assert "consentry init" in capsys.readouterr().err
