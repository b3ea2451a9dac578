"""The mailbox against a private Dovecot: TLS verified, no password in clear, MOVE/IDLE fallbacks."""

from __future__ import annotations

import stat
import subprocess
import sys
import time

import pytest

from rxintake.errors import ConfigError, MailboxLoginError, TransientError
from rxintake.settings import Settings
from tests.dovecot import Dovecot
from tests.service.conftest import RXINTAKE, FAST, dev_raw, export, message_id, run_until_idle, service_env
from worker.mailbox import Mailbox
from worker.oauth import command_token_source

pytestmark = [pytest.mark.service]


def settings_for(d: Dovecot, **kw) -> Settings:
    env = {k.removeprefix("RXINTAKE_").lower(): v for k, v in d.env().items()}
    env.update(kw)
    return Settings(_env_file=None, **env)


def test_starttls_login_select_and_done_folder(mailbox):
    with Mailbox(settings_for(mailbox)) as mbox:
        assert mbox.client._starttls_done
        assert mbox.uidvalidity > 0
        mbox.ensure_done_folder()
        assert mbox.client.folder_exists("Processed")
        assert mbox.uids() == []


def test_untrusted_certificate_is_a_clear_config_error(mailbox):
    s = settings_for(mailbox, imap_ca_file=None)
    with pytest.raises(ConfigError, match="RXINTAKE_IMAP_CA_FILE"):
        Mailbox(s).connect()


def test_wrong_password_is_a_login_error(mailbox):
    with pytest.raises(MailboxLoginError):
        Mailbox(settings_for(mailbox, imap_password="wrong")).connect()


def test_no_password_over_plaintext():
    d = Dovecot(extra_conf="ssl = no\ndisable_plaintext_auth = no\n").start()
    try:
        with pytest.raises(ConfigError, match="STARTTLS"):
            Mailbox(settings_for(d)).connect()
    finally:
        d.stop()


def _flag_deleted_foreign(d: Dovecot, raw: bytes) -> None:
    """A message someone else flagged \\Deleted and did not expunge: it must survive our moves."""
    c = d.client()
    try:
        c.append("INBOX", raw, flags=[b"\\Deleted"])
    finally:
        c.logout()


@pytest.mark.parametrize("caps,expunged", [("IMAP4rev1 LITERAL+ UIDPLUS", True), ("IMAP4rev1 LITERAL+", False)])
def test_without_move_and_idle(tmp_path, caps, expunged):
    """No MOVE: COPY + \\Deleted + UID EXPUNGE of that UID only; no UIDPLUS: leave the expunge.
    No IDLE: polling."""
    d = Dovecot(extra_conf=f"imap_capability = {caps}\n").start()
    try:
        with Mailbox(settings_for(d)) as mbox:
            assert not mbox.has("MOVE") and not mbox.has("IDLE")
        raws = [dev_raw(c) for c in FAST[:3]]
        d.append(raws)
        _flag_deleted_foreign(d, dev_raw(FAST[3]))
        env = service_env(tmp_path, **d.env(), RXINTAKE_BROKER_URL="stub", RXINTAKE_IMAP_POLL_SECONDS="1")
        run_until_idle(env, log=tmp_path / "run.log", timeout=120)
        assert sorted(d.message_ids("Processed")) == sorted(message_id(r) for r in raws)
        left = d.message_ids("INBOX")
        assert message_id(dev_raw(FAST[3])) in left, "a message we did not file is never expunged"
        assert len(left) == (1 if expunged else 4)
        assert len(export(env)) == 3
    finally:
        d.stop()


def test_token_command(tmp_path):
    script = tmp_path / "token.sh"
    script.write_text("#!/bin/sh\necho\necho ya29.test-token\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    assert command_token_source(str(script))() == "ya29.test-token"
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/sh\necho 'AADSTS7000215: invalid client secret' >&2\nexit 1\n")
    bad.chmod(bad.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(TransientError, match="AADSTS7000215"):
        command_token_source(str(bad))()
    with pytest.raises(ConfigError):
        command_token_source(str(tmp_path / "missing"))()


def test_run_without_source_says_so(tmp_path):
    env = service_env(tmp_path)
    out = subprocess.run([sys.executable, "-m", "rxintake.cli", "run"], env=env, capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert out.returncode == 78
    assert "RXINTAKE_IMAP_HOST" in out.stderr and "RXINTAKE_INBOX_DIR" in out.stderr


def test_new_uidvalidity_rescans_without_filing_again(mailbox, tmp_path):
    """The watched folder re-created (new UIDVALIDITY) with the same messages: moved, not re-filed."""
    raws = [dev_raw(c) for c in FAST[:2]]
    c = mailbox.client()
    try:
        if c.folder_exists("Rx"):
            c.delete_folder("Rx")
        c.create_folder("Rx")
        first = c.select_folder("Rx")[b"UIDVALIDITY"]
    finally:
        c.logout()
    mailbox.append(raws, folder="Rx")
    env = service_env(tmp_path, **mailbox.env(), RXINTAKE_BROKER_URL="stub", RXINTAKE_IMAP_FOLDER="Rx")
    run_until_idle(env, log=tmp_path / "run1.log", timeout=120)
    assert len(export(env)) == 2
    c = mailbox.client()
    try:
        c.delete_folder("Rx")
        c.create_folder("Rx")
        second = c.select_folder("Rx")[b"UIDVALIDITY"]
    finally:
        c.logout()
    assert second != first
    mailbox.append(raws, folder="Rx")
    run_until_idle(env, log=tmp_path / "run2.log", timeout=120)
    assert len(export(env)) == 2, "no second record for the same message"
    assert mailbox.count("Rx") == 0
    assert sorted(mailbox.message_ids("Processed")) == sorted([message_id(r) for r in raws] * 2)
    assert f'"uidvalidity": {second}' in (tmp_path / "run2.log").read_text()


def test_xoauth2_login_with_a_token_command(tmp_path):
    """The token command's output is the XOAUTH2 bearer token; a token the server rejects stops the
    service with a clear login error (exit 78)."""
    key = b"clinic-test-signing-key-0123456789"
    d = Dovecot(oauth2_key=key).start()
    try:
        script = tmp_path / "get-token"
        script.write_text("#!/bin/sh\n# what a clinic's script prints after its OAuth2 flow\n"
                          f"echo {d.token(lifetime=900)}\n")
        script.chmod(0o700)
        d.append([dev_raw(FAST[0])])
        env = service_env(tmp_path, **d.env(), RXINTAKE_BROKER_URL="stub", RXINTAKE_IMAP_AUTH="xoauth2",
                          RXINTAKE_IMAP_OAUTH_TOKEN_COMMAND=str(script))
        del env["RXINTAKE_IMAP_PASSWORD"]
        run_until_idle(env, log=tmp_path / "run.log", timeout=120)
        assert d.count("Processed") == 1 and d.count("INBOX") == 0
        assert len(export(env)) == 1

        wrong = tmp_path / "wrong-token"
        wrong.write_text(f"#!/bin/sh\necho {d.token(key=b'another-key-entirely-000000000000')}\n")
        wrong.chmod(0o700)
        env["RXINTAKE_IMAP_OAUTH_TOKEN_COMMAND"] = str(wrong)
        out = subprocess.run([RXINTAKE, "run", "--until-idle"], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 78, out.stderr[-2000:]
        assert "refused the login" in out.stderr
    finally:
        d.stop()


def test_idle_is_reissued_and_still_reports_arrivals(mailbox):
    with Mailbox(settings_for(mailbox, imap_idle_seconds=1)) as mbox:
        assert mbox.wait(0.3) is False
        first = mbox._idling_since
        time.sleep(1.1)
        assert mbox.wait(0.3) is False
        assert mbox._idling_since != first, "IDLE re-issued after imap_idle_seconds"
        mailbox.append([dev_raw(FAST[0])])
        deadline = time.monotonic() + 5
        while not mbox.wait(0.5):
            assert time.monotonic() < deadline, "no EXISTS pushed within 5 s"
        assert len(mbox.uids()) == 1


def test_an_arrival_reported_with_another_command_is_not_missed(mailbox):
    """EXISTS that came with an earlier command's answer (a MOVE's, say) counts as news, although
    idle_check only sees what the server sends after IDLE starts."""
    with Mailbox(settings_for(mailbox)) as mbox:
        assert mbox.uids() == []
        mailbox.append([dev_raw(FAST[0])])
        mbox.client.noop()  # as a MOVE or FETCH would, this brings the server's "* 1 EXISTS"
        t0 = time.monotonic()
        assert mbox.wait(3.0) is True
        assert time.monotonic() - t0 < 1.0
        assert len(mbox.uids()) == 1


def test_implicit_tls(tmp_path):
    from tests.dovecot import free_port

    port = free_port()
    d = Dovecot(extra_conf="service imap-login {\n  inet_listener imaps {\n    address = 127.0.0.1\n"
                           f"    port = {port}\n  }}\n}}\n").start()
    try:
        wait = time.monotonic() + 10
        while True:
            try:
                with Mailbox(settings_for(d, imap_ssl=True, imap_port=port)) as mbox:
                    assert mbox.client._imap.sock.version().startswith("TLS")
                    assert mbox.uids() == []
                break
            except Exception:
                if time.monotonic() > wait:
                    raise
                time.sleep(0.2)
        with pytest.raises(ConfigError, match="RXINTAKE_IMAP_CA_FILE"):
            Mailbox(settings_for(d, imap_ssl=True, imap_port=port, imap_ca_file=None)).connect()
    finally:
        d.stop()
