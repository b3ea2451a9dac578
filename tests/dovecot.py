"""A private Dovecot for the tests: own config, state and maildirs in a temp dir, loopback only.

STARTTLS with a certificate made for the run (its CA goes to RXINTAKE_IMAP_CA_FILE), one
test user in a passwd-file, maildir storage. Never touches the system's instance or ports.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

from worker.process import die_with_parent

USER, PASSWORD = "frontdesk", "s3cret-test-only"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certs(directory: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1/localhost signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rxintake test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    ca_file, cert_file, key_file = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    ca_file.write_bytes(ca.public_bytes(pem))
    cert_file.write_bytes(cert.public_bytes(pem))
    key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(key_file, 0o600)
    return ca_file, cert_file, key_file


CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = rxintake-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
verbose_proctitle = yes
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
{extra}
"""


OAUTH2_CONF = """\
auth_mechanisms = plain login xoauth2 oauthbearer
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf
}}
"""


def jwt_hs256(key: bytes, claims: dict) -> str:
    """A signed JWT, as an OAuth2 server would issue (Dovecot validates it locally)."""
    import base64
    import hashlib
    import hmac
    import json

    def b64(b: bytes) -> bytes:
        return base64.urlsafe_b64encode(b).rstrip(b"=")

    signing = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + b"." + b64(json.dumps(claims).encode())
    return (signing + b"." + b64(hmac.new(key, signing, hashlib.sha256).digest())).decode()


class Dovecot:
    """Start with `start()`, stop with `stop()`; `env()` gives the RXINTAKE_IMAP_* settings.

    With `oauth2_key`, XOAUTH2/OAUTHBEARER logins take JWTs signed with that key (`token()`).
    """

    def __init__(self, extra_conf: str = "", oauth2_key: bytes | None = None):
        self.root = Path(tempfile.mkdtemp(prefix="rxintake-dovecot-"))
        os.chmod(self.root, 0o755)
        self.port = free_port()
        self.extra = extra_conf
        self.oauth2_key = oauth2_key
        self.proc: subprocess.Popen | None = None

    def _oauth2_setup(self) -> None:
        import base64

        keys = self.root / "keys"
        for sub in ("shared/default/HS256", "default/HS256"):
            (keys / sub).mkdir(parents=True, exist_ok=True)
            (keys / sub / "default").write_text(base64.b64encode(self.oauth2_key).decode())
        for path in [keys, *keys.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        (self.root / "oauth2.conf").write_text(
            f"introspection_mode = local\nlocal_validation_key_dict = fs:posix:prefix={keys}/\n"
            "username_attribute = email\nusername_format = %u\n")
        self.extra += OAUTH2_CONF.format(root=self.root)

    def token(self, key: bytes | None = None, lifetime: int = 300) -> str:
        now = int(time.time())
        return jwt_hs256(key or self.oauth2_key, {"email": USER, "sub": USER, "iat": now, "nbf": now,
                                                  "exp": now + lifetime})

    def start(self) -> "Dovecot":
        root = self.root
        self.ca_file, _, _ = make_certs(root)
        if self.oauth2_key:
            self._oauth2_setup()
        mail_user = pwd.getpwnam("dovecot")
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        for d in ("run", "state", f"home/{USER}"):
            (root / d).mkdir(parents=True, exist_ok=True)
        os.chown(root / "home" / USER, mail_user.pw_uid, mail_user.pw_gid)
        os.chmod(root / "home", 0o755)
        self.conf = root / "dovecot.conf"
        self.conf.write_text(CONF.format(root=root, port=self.port, uid=mail_user.pw_uid,
                                         gid=mail_user.pw_gid, extra=self.extra))
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True,
                                     preexec_fn=die_with_parent)  # no orphan if the tests are killed
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.proc.stderr.read().decode()[-2000:]} "
                                   f"{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not listen on {self.port}: {self.log_tail()}")

    def log_tail(self) -> str:
        p = self.root / "dovecot.log"
        return p.read_text()[-3000:] if p.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def env(self) -> dict[str, str]:
        return {"RXINTAKE_IMAP_HOST": "127.0.0.1", "RXINTAKE_IMAP_PORT": str(self.port),
                "RXINTAKE_IMAP_SSL": "false", "RXINTAKE_IMAP_CA_FILE": str(self.ca_file),
                "RXINTAKE_IMAP_USER": USER, "RXINTAKE_IMAP_PASSWORD": PASSWORD}

    def client(self):
        """An imapclient connection as the test user (STARTTLS, verified against the test CA)."""
        from imapclient import IMAPClient

        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        c = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        c.starttls(ctx)
        c.login(USER, PASSWORD)
        return c

    def append(self, raws: list[bytes], folder: str = "INBOX") -> None:
        c = self.client()
        try:
            for raw in raws:
                c.append(folder, raw)
        finally:
            c.logout()

    def count(self, folder: str) -> int:
        c = self.client()
        try:
            if not c.folder_exists(folder):
                return 0
            return int(c.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])
        finally:
            c.logout()

    def message_ids(self, folder: str) -> list[str]:
        """Message-ID headers of every message in `folder` (one per message, duplicates kept)."""
        from email.parser import BytesHeaderParser

        c = self.client()
        try:
            if not c.folder_exists(folder):
                return []
            c.select_folder(folder, readonly=True)
            uids = c.search(["ALL"])
            data = c.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]) if uids else {}
            out = []
            for d in data.values():
                hdr = d.get(b"BODY[HEADER.FIELDS (MESSAGE-ID)]", b"")
                out.append(str(BytesHeaderParser().parsebytes(hdr).get("Message-ID", "")).strip())
            return out
        finally:
            c.logout()

    def kill_imap_sessions(self) -> int:
        """SIGKILL the imap processes serving the test user (drops their connections)."""
        killed = 0
        for pid in _children(self.proc.pid):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if cmd.startswith("dovecot/imap ") or cmd.strip() == "dovecot/imap" or f"imap [{USER}" in cmd:
                if "imap-login" in cmd:
                    continue
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                except ProcessLookupError:
                    pass
        return killed


def _children(ppid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == ppid:
            out.append(int(entry))
    return out
