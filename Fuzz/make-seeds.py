#!/usr/bin/env python3
"""Writes the seed corpus under Fuzz/corpus/<target>/ (run from anywhere; rewrites it all).

Each target reads its input as a script (see FuzzInput.field in Fuzz/Support):
a field is one tag byte then data:
  00xxxxxx          literal, xxxxxx bytes (0-63)
  01xxxxxx yyyyyyyy literal, xxxxxx*256+yyyyyyyy bytes
  10xxxxxx          dictionary entry xxxxxx of the target
  11xxxxxx ... k    xxxxxx+1 literal bytes repeated to (k+1)*257 bytes (k=255: 65792 bytes)
Seeds are small files; the 64 KiB strings are made by the repeat form, except in the
config text, which is the rest of the input and holds one real 64 KiB line.
Reproducers of fixed bugs are kept as `repro-*` files (written here) and `found-*` files
(inputs the fuzzer found, kept as it wrote them; this script leaves them alone).
"""

import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

NUL = b"\x00"
INVALID = [b"\xc0\x80", b"\xed\xa0\x80", b"\xff", b"\xe2\x80", b"\xf4\x90\x80\x80"]
ESCAPES = [b"\x1b[2J", b"\x1b]0;pwned\x07", b"\x1b]8;;http://x/\x1b\\link\x1b]8;;\x1b\\", b"\x9b31m", b"\xc2\x9b31m"]
PERCENT = b"%n%s%s%x"
CRLF = b"root\r\nBcc: victim@example.org\r\n"
SQL = b"'; DROP TABLE accounts;--"
SQL2 = b"root' OR '1'='1"
ROOT_LONG = b"root" + b"A" * 300
BIDI = "\u202etoor\u2066x\u2028y".encode()


def field(data: bytes) -> bytes:
    if len(data) < 64:
        return bytes([len(data)]) + data
    if len(data) < 16384:
        return bytes([0x40 | (len(data) >> 8), len(data) & 0xFF]) + data
    raise ValueError("use repeat() for long fields")


def word(index: int) -> bytes:
    return bytes([0x80 | index])


def repeat(unit: bytes, k: int = 255) -> bytes:
    """unit repeated to (k+1)*257 bytes; k=255 gives 65792 bytes, k=15 gives 4112."""
    assert 1 <= len(unit) <= 64
    return bytes([0xC0 | (len(unit) - 1)]) + unit + bytes([k])


def write(target: str, name: str, data: bytes) -> None:
    path = os.path.join(ROOT, target)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "wb") as handle:
        handle.write(data)


# --- fuzz-config: [argument count] arguments... file text -------------------------------

def config_seeds() -> None:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(here, "etc", "lockwarden.conf"), "rb") as handle:
        installed = handle.read()
    typical = (b"deny = 3\nfail_interval = 600\nunlock_time = 0\neven_deny_root = yes\nroot_unlock_time = 60\n"
               b"exempt_group = sudo\nlockout_action = admin-unlock\ntotp = required\ntotp_digits = 8\n"
               b"user_email = {user}@clinic.example\nmail_from = lockwarden@clinic.example\n"
               b"mail_locked_user_subject = Locked: {user}\nmail_locked_owner_body = {full_name}\\n{user}\\n\n"
               b"[clinic north]\nmembers = @north-staff, alice\nowners = bob\n[clinic south]\nmembers = carol\n")
    write("config", "installed", b"\x00" + installed)
    write("config", "typical", b"\x00" + typical)
    write("config", "typical-crlf", b"\x00" + typical.replace(b"\n", b"\r\n"))
    args = [b"preauth", b"deny=3", b"even_deny_root", b"conf=/etc/security/lockwarden.conf", b"totp=optional"]
    write("config", "arguments", bytes([len(args)]) + b"".join(field(a) for a in args) + b"unlock_time = 60\n")
    write("config", "nul", b"\x01" + field(b"deny=3\x004") + b"deny = 5\x00\nexempt_group = wh\x00eel\n\x00\n")
    write("config", "64k-line", b"\x00" + b"totp_issuer = " + b"A" * 65536 + b"\n")
    write("config", "64k-value-argument", b"\x01" + field(b"exempt_group=" + b"g" * 16000))
    for number, bad in enumerate(INVALID):
        write("config", f"invalid-utf8-{number}", b"\x01" + field(b"deny=" + bad) + b"exempt_group = " + bad +
              b"\n[clinic " + bad + b"]\nmembers = " + bad + b"\n" + bad + b" = 1\n")
    for number, escape in enumerate(ESCAPES):
        write("config", f"escape-{number}", b"\x01" + field(b"unknown" + escape + b"=1") + escape + b" = 1\n[" +
              escape + b" x]\n[clinic " + escape + b"]\nmembers = a\nowners = b\n" + b"db = /var/" + escape + b"\n")
    write("config", "percent", b"\x01" + field(PERCENT) + PERCENT + b" = " + PERCENT + b"\nmail_from = " + PERCENT +
          b"\n[clinic " + PERCENT + b"]\n")
    write("config", "crlf", b"\x01" + field(b"mail_locked_user_subject=" + CRLF) + b"mail_locked_user_subject = x\r"
          b"Bcc: y\r\nmail_locked_user_body = a\\nb\r\n\r\n=\r\n[clinic a]\r\nmembers = x\rowners = y\n")
    write("config", "root-long", b"\x01" + field(b"exempt_group=" + ROOT_LONG) + b"exempt_group = " + ROOT_LONG +
          b"\n[clinic c]\nmembers = " + ROOT_LONG + b"\nowners = root\n")
    write("config", "sql", b"\x02" + field(b"exempt_group=" + SQL) + field(b"db=/x/" + SQL) + b"admin_group = " +
          SQL + b"\nuser_email = " + SQL2 + b"@x\n")
    write("config", "numbers", b"\x00" + b"deny = 18446744073709551616\nunlock_time = -1\nfail_interval = 0x10\n"
          b"max_events = 9223372036854775807\nbusy_timeout = 99999999999999999999\ntotp_period = +30\n")
    write("config", "sections", b"\x00" + b"[clinic a]\n[clinic a]\nmembers = @\nowners = ,,\n[clinic]\n[x y z]\n"
          b"[clinic b\n]\n[ clinic  c ]\nmembers=@g\nowners=u\n")
    # Fixed: a conf= path with control characters reached the diagnostics (and the log) as is.
    write("config", "repro-conf-path-escape", b"\x01" + field(b"conf=/tmp/\x1b[2J\n.conf") + b"deny\n")


# --- fuzz-contract: stage flags user service rhost tty count arguments... replies... ----

STAGE_AUTH, STAGE_ACCOUNT, STAGE_PRELIM, STAGE_UPDATE = 0, 1, 2, 3
REPLY_FAIL, REPLY_TOO_LONG, REPLY_TOTP, REPLY_BACKUP, REPLY_EMPTY, REPLY_FIELD = 0, 1, 2, 3, 4, 5


def request(stage: int, flags: int, user: bytes, arguments: list, replies: bytes = b"", service: bytes = None,
            rhost: bytes = None, tty: bytes = None, count: int = None) -> bytes:
    out = bytes([stage, flags])
    for value in (user, service if service is not None else field(b"sshd"),
                  rhost if rhost is not None else field(b"203.0.113.9"), tty if tty is not None else field(b"ssh")):
        out += value
    n = len(arguments) if count is None else count
    out += bytes([n])
    out += b"".join(arguments)
    return out + replies


def reply(data: bytes) -> bytes:
    return bytes([REPLY_FIELD]) + field(data)


def contract_seeds() -> None:
    f = field
    write("contract", "preauth-root", request(STAGE_AUTH, 0, f(b"root"), [f(b"preauth")]))
    write("contract", "authfail-daemon", request(STAGE_AUTH, 0, f(b"daemon"), [f(b"authfail"), f(b"deny=1")]))
    write("contract", "authsucc-sys", request(STAGE_AUTH, 0, f(b"sys"), [f(b"authsucc")]))
    write("contract", "account-unknown", request(STAGE_ACCOUNT, 0, f(b"no-such-user"), []))
    write("contract", "password-prelim", request(STAGE_PRELIM, 2, f(b"bin"), []))
    write("contract", "password-changed", request(STAGE_UPDATE, 0, f(b"bin"), [f(b"changed")]))
    write("contract", "totp-right-code",
          request(STAGE_AUTH, 0, f(b"daemon"), [f(b"totp"), f(b"totp=optional")], bytes([REPLY_TOTP])))
    write("contract", "totp-backup-code",
          request(STAGE_AUTH, 0, f(b"daemon"), [f(b"totp"), f(b"totp=required")], bytes([REPLY_BACKUP | 0x08, 1])))
    write("contract", "totp-wrong-code",
          request(STAGE_AUTH, 1, f(b"daemon"), [f(b"totp"), f(b"totp=required")], reply(b"000000")))
    write("contract", "totp-enroll-root",
          request(STAGE_AUTH, 0, f(b"root"), [f(b"totp"), f(b"totp=required"), f(b"totp_issuer=Clinic \xe2\x80\xae")],
                  reply(b"123456") + bytes([REPLY_EMPTY])))
    write("contract", "totp-reenroll-bin",
          request(STAGE_AUTH, 0, f(b"bin"), [f(b"totp"), f(b"totp=optional")], bytes([REPLY_TOO_LONG, REPLY_FAIL])))
    write("contract", "lock-message", request(STAGE_AUTH, 0, f(b"sys"),
          [f(b"authfail"), f(b"deny=1"), f(b"silent=no"), f(b"show_lock_message"), f(b"even_deny_root")]))
    write("contract", "preauth-locked-prompts", request(STAGE_AUTH, 0, f(b"sys"),
          [f(b"preauth"), f(b"totp=required")], reply(b"secret") + reply(b"12345678")))
    write("contract", "user-nul", request(STAGE_AUTH, 0, f(b"root\x00"), [f(b"authsucc")]))
    write("contract", "user-64k", request(STAGE_AUTH, 0, repeat(b"root"), [f(b"authsucc")]))
    write("contract", "user-4097", request(STAGE_ACCOUNT, 0, repeat(b"r", 15), []))
    write("contract", "fields-64k", request(STAGE_AUTH, 0, f(b"daemon"), [f(b"authfail")],
          service=repeat(b"sshd\x1b[2J"), rhost=repeat(b"\xff\xfe"), tty=repeat(b"\x00")))
    for number, bad in enumerate(INVALID):
        write("contract", f"invalid-utf8-{number}", request(STAGE_AUTH, 0, f(b"ro" + bad + b"ot"), [f(b"authfail")],
              service=f(bad), rhost=f(b"host" + bad), tty=f(bad + b"tty")))
    for number, escape in enumerate(ESCAPES):
        write("contract", f"escape-{number}", request(STAGE_AUTH, 0, f(b"root" + escape), [f(b"authfail")],
              service=f(escape), rhost=f(escape), tty=f(escape)))
    write("contract", "percent", request(STAGE_AUTH, 0, f(PERCENT), [f(b"authfail"), f(PERCENT)],
          service=f(PERCENT), rhost=f(PERCENT), tty=f(PERCENT)))
    write("contract", "crlf", request(STAGE_AUTH, 0, f(CRLF), [f(b"authfail")], rhost=f(b"a\r\nb"), tty=f(b"\n")))
    write("contract", "root-long", request(STAGE_AUTH, 0, f(ROOT_LONG[:63]), [f(b"authsucc")]))
    write("contract", "root-longer", request(STAGE_AUTH, 0, f(ROOT_LONG), [f(b"authsucc")]))
    write("contract", "sql", request(STAGE_AUTH, 0, f(SQL), [f(b"authfail")], rhost=f(SQL2), tty=f(SQL)))
    write("contract", "bidi", request(STAGE_AUTH, 0, f(BIDI), [f(b"authfail")], rhost=f(BIDI)))
    write("contract", "argument-nul", request(STAGE_AUTH, 0, f(b"root"), [f(b"deny=3\x00"), f(b"preauth")]))
    write("contract", "argument-invalid-utf8", request(STAGE_AUTH, 0, f(b"root"), [f(b"deny=\xff")]))
    write("contract", "arguments-65", request(STAGE_AUTH, 0, f(b"root"), [f(b"debug")] * 64, count=0xF2))
    write("contract", "arguments-61", request(STAGE_AUTH, 0, f(b"root"), [f(b"debug")] * 59 + [f(b"preauth")],
          count=0xF1))
    write("contract", "argument-16k", request(STAGE_AUTH, 0, f(b"root"), [f(b"preauth"), repeat(b"x", 15)]))
    write("contract", "abi-mismatch", request(STAGE_AUTH, 0x08, f(b"root"), [f(b"authsucc")]))
    write("contract", "bad-stage", request(5, 0, f(b"root"), [f(b"authsucc")]))
    write("contract", "null-request", request(STAGE_AUTH, 0xC0, f(b"root"), [f(b"authsucc")]))
    write("contract", "null-data", request(STAGE_AUTH, 0x80, f(b"root"), [f(b"authsucc")]))
    write("contract", "no-callbacks", request(STAGE_AUTH, 0x30, f(b"root"), [f(b"totp"), f(b"totp=required")]))
    write("contract", "dictionary", bytes([STAGE_AUTH, 0x00]) + word(1) + word(2) + word(3) + word(4) + bytes([3]) +
          word(0) + word(24) + word(7) + bytes([REPLY_TOTP, REPLY_BACKUP]))
    write("contract", "mode-conflict", request(STAGE_AUTH, 0, f(b"root"), [f(b"preauth"), f(b"authfail")]))
    write("contract", "on-error-ignore-missing-db", request(STAGE_AUTH, 0, f(b"root"),
          [f(b"preauth"), f(b"on_error=ignore"), f(b"db=/nonexistent/x.db")]))
    # Fixed: a db= path with control characters reached the log as is ("state database missing: ...").
    write("contract", "repro-db-path-escape", request(STAGE_AUTH, 0, f(b"root"),
          [f(b"preauth"), f(b"db=/\x1b]0;x\x07\n.db")]))
    write("contract", "repro-notify-program-escape", request(STAGE_AUTH, 0, f(b"sys"),
          [f(b"authfail"), f(b"deny=1"), f(b"notify_program=/\x1b[2J")]))


# --- fuzz-totp: selector algorithm settings now [last] secret code base32 backup mac digits ----

def totp_seeds() -> None:
    f = field
    secret = f(b"12345678901234567890")

    def sane(selector: int, algorithm: int, digits8: bool, period: int, window: int, slot: int, rest: bytes,
             last: int = None) -> bytes:
        out = bytes([selector, algorithm, 1 if digits8 else 0, period - 15, window])
        out += struct.pack("<H", slot)
        if selector & 0x04:
            out += struct.pack("<Q", last)
        return out + rest

    write("totp", "sha1-6", sane(0, 0, False, 30, 1, 0, secret + f(b"287082") + f(b"GEZDGNBVGY3TQOJQ") +
          f(b"ABCDE-FGHIJ") + f(bytes(range(20))) + b"\x06"))
    write("totp", "sha256-8", sane(0, 1, True, 30, 0, 7, f(b"12345678901234567890123456789012") + f(b"46119246")))
    write("totp", "sha512-window", sane(0x04, 2, True, 60, 10, 3, secret + f(b"90693936"), last=56666666))
    write("totp", "raw-settings", bytes([0x07, 0, 0x80]) + struct.pack("<q", 0) + struct.pack("<q", -1) +
          struct.pack("<q", -(2**63)) + struct.pack("<Q", 2**64 - 1) + secret + f(b"000000"))
    write("totp", "raw-extremes", bytes([0x03, 2, 9]) + struct.pack("<q", 1) + struct.pack("<q", 2**63 - 1) +
          struct.pack("<q", 2**63 - 1) + f(b"") + f(b"123456789"))
    write("totp", "code-nul", sane(0, 0, False, 30, 1, 0, secret + f(b"12345\x00") + f(b"ME======\x00")))
    write("totp", "code-unicode-digits", sane(0, 0, False, 30, 1, 0, secret + f("١٢٣٤٥٦".encode())))
    write("totp", "secret-64k", sane(0, 0, False, 30, 1, 0, repeat(b"\xff") + f(b"123456")))
    for number, bad in enumerate(INVALID):
        write("totp", f"invalid-utf8-{number}", sane(0, 0, False, 30, 1, 0, f(bad) + f(b"12" + bad) + f(b"ME" + bad) +
              f(bad + b"ABCD-EFGHI")))
    write("totp", "escape", sane(0, 0, False, 30, 1, 0, f(ESCAPES[0]) + f(ESCAPES[1]) + f(ESCAPES[1]) +
          f(ESCAPES[2][:32])))
    write("totp", "percent-sql", sane(0, 0, False, 30, 1, 0, f(PERCENT) + f(SQL) + f(SQL) + f(PERCENT)))
    write("totp", "base32-64k", sane(0, 0, False, 30, 1, 0, f(b"") + f(b"") + repeat(b"MZXW6YTBOI======")))
    write("totp", "backup-variants", sane(0, 0, False, 30, 1, 0, secret + f(b"1") + f(b"mzxw6") +
          f(b" abcde fghij ") + f(bytes(range(64))) + b"\x08"))
    # The slow path: a real backup code, typed in lower case without its dash (selector 0xFF).
    write("totp", "backup-slow-path", bytes([0xFF, 0, 0x06]) + struct.pack("<q", 30) + struct.pack("<q", 1) +
          struct.pack("<q", 1_700_000_000) + struct.pack("<Q", 0) + secret + f(b"123456") + f(b"GE") +
          f(bytes([0x03]) + b"bcde-fghij") + f(b"") + b"\x06")


# --- fuzz-mail: selector limit user full_name host to from pin [subject] [body] ----------

def mail_seeds() -> None:
    f = field

    def mail(selector: int, limit: int, user: bytes, full: bytes, host: bytes, to: bytes = b"user@example.org",
             sender: bytes = b"lockwarden@example.org", pin: bytes = b"123456", subject: bytes = None,
             body: bytes = None) -> bytes:
        out = bytes([selector, limit]) + user + full + host + f(to) + f(sender) + f(pin)
        if selector & 0x04:
            out += subject
        if selector & 0x08:
            out += body
        return out

    write("mail", "plain", mail(0, 64, f(b"alice"), f(b"Alice Martin"), f(b"clinic-host")))
    write("mail", "owner-template", mail(1, 64, f(b"bob"), f("Bérénice Dupont".encode()), f(b"h")))
    write("mail", "unlock-pin", mail(2, 255, f(b"carol"), f(b"Carol"), f(b"h"), pin=b"987654"))
    write("mail", "mfa-reset", mail(3, 0xFF, f(b"dave"), f(b"Dave"), f(b"h")))
    write("mail", "crlf-everywhere", mail(0x0C, 16, f(CRLF), f(b"Eve\r\nBcc: x@y"), f(b"h\r"),
          subject=f(b"Locked {user}\r\nBcc: {full_name}"), body=f(b"{user}\n.\n{full_name}\r\n")))
    write("mail", "nul", mail(0x0C, 8, f(b"ro\x00ot"), f(b"\x00"), f(b"\x00"), subject=f(b"a\x00b"),
          body=f(b"\x00{user}")))
    write("mail", "64k-name", mail(0x04, 0xFF, repeat(b"root"), repeat(b"\xc3\xa9"), f(b"h"),
          subject=f(b"{user} {full_name}")))
    for number, bad in enumerate(INVALID):
        write("mail", f"invalid-utf8-{number}", mail(0x0C, 4, f(b"u" + bad), f(bad), f(bad), to=b"a" + bad + b"@b",
              subject=f(b"{user}" + bad), body=f(bad + b"{full_name}")))
    for number, escape in enumerate(ESCAPES):
        write("mail", f"escape-{number}", mail(0x0C, 64, f(escape), f(escape), f(escape),
              subject=f(b"{full_name}" + escape), body=f(escape + b"{user}")))
    write("mail", "percent", mail(0x0C, 64, f(PERCENT), f(PERCENT), f(PERCENT), subject=f(PERCENT), body=f(PERCENT)))
    write("mail", "sql", mail(0x04, 64, f(SQL), f(SQL2), f(b"h"), subject=f(b"{user}")))
    write("mail", "root-long", mail(0x04, 64, f(ROOT_LONG[:63]), f(b"x"), f(b"h"), subject=f(b"{user}")))
    write("mail", "bad-addresses", mail(0x10, 0xFD, f(b"a"), f(b"b"), f(b"c"), to=b"Alice <a@b>",
          sender=b"a@b\r\nBcc: c@d"))
    write("mail", "limits", mail(0, 0xFE, f(b"\\x41\\\\"), f(b""), f(b"")))
    write("mail", "dictionary", bytes([0x0C, 3]) + word(1) + word(2) + word(3) + word(6) + word(8) + word(12) +
          word(18) + word(19))
    # Fixed: bidi overrides and line separators in a subject went out RFC 2047 encoded.
    write("mail", "repro-subject-bidi", mail(0x04, 64, f(b"x"), f(b"y"), f(b"h"), subject=f("\u202e".encode())))
    # Fixed: a plain ASCII subject holding an encoded word ("=?UTF-8?B?...?=", here U+202E) went
    # out as it was, for the reader to decode.
    write("mail", "repro-subject-encoded-word", mail(0x04, 64, f(b"x"), f(b"y"), f(b"h"), subject=f(b"=?UTF-8?B?4oCu?=")))
    write("mail", "repro-subject-encoded-word-name", mail(0x04, 64, f(b"=?UTF-8?B?4oCu?="), f(b"y"), f(b"h"),
          subject=f(b"Locked: {user}")))
    write("mail", "repro-subject-bidi-name", mail(0x04, 64, f(BIDI), f(b"y"), f(b"h"), subject=f(b"{user}")))


if __name__ == "__main__":
    # Inputs the fuzzer found (kept as the artifacts it wrote) are named found-*; the rest is ours.
    for target in os.listdir(ROOT) if os.path.isdir(ROOT) else []:
        for name in os.listdir(os.path.join(ROOT, target)):
            if not name.startswith("found-"):
                os.remove(os.path.join(ROOT, target, name))
    config_seeds()
    contract_seeds()
    totp_seeds()
    mail_seeds()
    for target in sorted(os.listdir(ROOT)):
        files = os.listdir(os.path.join(ROOT, target))
        size = sum(os.path.getsize(os.path.join(ROOT, target, name)) for name in files)
        print(f"{target}: {len(files)} seeds, {size} bytes")
