"""A private Dovecot IMAP server for the tests, on 127.0.0.1 (see /work/shared/IMAP.md).

`Dovecot(root).start()` writes a configuration inside `root`, makes a self-signed certificate for
127.0.0.1, and runs `dovecot -F` in the foreground as a child of the test process, listening on two
free ports: `port` (plain IMAP that offers STARTTLS) and `ssl_port` (implicit TLS). `stop()` ends it
and waits for it. Nothing is shared with a system-wide Dovecot: own base_dir, state, log, mail.
"""
from __future__ import annotations

import datetime as dt
import grp
import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

from helpers import free_port  # noqa: F401 - the tests take it from here too

USER = "coordinator"
PASSWORD = "s3cret-test"
#: a second mailbox whose password is not ASCII (IMAP LOGIN cannot carry it; SASL PLAIN can)
THAI_USER, THAI_PASSWORD = "somchai", "รหัสผ่าน-ลับ"

CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{root}/tls/cert.pem
ssl_key = <{root}/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


#: Debian installs it in /usr/sbin, which an ordinary user's PATH often lacks
BINARY = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")


def available() -> bool:
    return BINARY is not None


def make_certificate(folder: Path, name: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed certificate valid for 127.0.0.1 and localhost: (cert.pem, key.pem). The
    `cryptography` package is in the test environment through msoffcrypto-tool."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def _users() -> dict:
    """Who runs what. As root (IMAP.md): imap-login as dovenull, the mail process as dovecot; as an
    ordinary user, everything as that user (the login process then runs without its chroot)."""
    if os.geteuid() == 0:
        mail = pwd.getpwnam("dovecot")
        return {"login_user": "dovenull", "internal_user": "dovecot", "internal_group": "dovecot",
                "mail_user": mail.pw_uid, "mail_group": mail.pw_gid}
    me = pwd.getpwuid(os.geteuid())
    return {"login_user": me.pw_name, "internal_user": me.pw_name, "internal_group": grp.getgrgid(me.pw_gid).gr_name,
            "mail_user": me.pw_uid, "mail_group": me.pw_gid}


class Dovecot:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.port = self.ssl_port = 0
        self.process: subprocess.Popen | None = None
        self.ca_file = self.root / "tls" / "cert.pem"

    @property
    def conf(self) -> Path:
        return self.root / "dovecot.conf"

    def start(self, attempts: int = 3) -> "Dovecot":
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)     # the mail process (uid dovecot) walks into it
        if not self.ca_file.exists():
            make_certificate(self.ca_file.parent)
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n{THAI_USER}:{{PLAIN}}{THAI_PASSWORD}\n",
                                          encoding="utf-8")
        users = _users()
        mail = self.root / "mail"
        mail.mkdir(exist_ok=True)
        os.chown(mail, users["mail_user"], users["mail_group"])
        for attempt in range(attempts):     # a free port can be taken between the probe and the bind
            self.port, self.ssl_port = free_port(), free_port()
            self.conf.write_text(CONF.format(root=self.root, port=self.port, ssl_port=self.ssl_port, **users))
            with open(self.root / "stderr.log", "ab") as err:     # configuration errors, before the log opens
                self.process = subprocess.Popen([BINARY, "-F", "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                                stderr=err)
            if self._ready():
                return self
            self.stop()
        raise RuntimeError(f"Dovecot did not start: {self.log()[-2000:]}")

    def _ready(self, seconds: float = 15) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            for port in (self.port, self.ssl_port):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                except OSError:
                    break
            else:
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        """End the master (it ends its children) and wait for it; nothing is left running."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log(self) -> str:
        return "".join((self.root / name).read_text(errors="replace") for name in ("stderr.log", "dovecot.log")
                       if (self.root / name).exists())

    def maildir(self, folder: str = "INBOX") -> Path:
        """The folder's files on disk (Dovecot's Maildir++ layout: INBOX at the top, others as .name)."""
        base = self.root / "mail" / USER
        return base if folder == "INBOX" else base / f".{folder}"
