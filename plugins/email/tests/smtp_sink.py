#!/usr/bin/env python3
"""A loopback SMTP server for the email connector's integration tests.

It stores every message it accepts in a directory, as NNNN.eml (the raw
data as received) and NNNN.json (the envelope: mail_from and rcpt_tos), and
prints READY on stdout once it is listening. It stops when its standard input
closes, so it never outlives the test that started it.

Options make it misbehave on purpose:
  --refuse ADDRESS      answer RCPT TO:<ADDRESS> with 550 (permanent)
  --defer ADDRESS       answer RCPT TO:<ADDRESS> with 451 (transient)
  --auth USER:PASSWORD  require AUTH (PLAIN or LOGIN) with these credentials

Needs the aiosmtpd package (pip install aiosmtpd).
"""

import argparse
import itertools
import json
import logging
import os
import sys
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    """Stores accepted messages; refuses or defers the recipients it is told to."""

    def __init__(self, out_dir, refuse, defer):
        self.out_dir = out_dir
        self.refuse = {address.lower() for address in refuse}
        self.defer = {address.lower() for address in defer}
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: recipient refused by the test sink"
        if address.lower() in self.defer:
            return f"451 4.3.0 <{address}>: mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        name = f"{next(self.counter):04d}"
        base = os.path.join(self.out_dir, name)
        write_atomically(base + ".eml", envelope.original_content or envelope.content)
        envelope_json = json.dumps({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos})
        write_atomically(base + ".json", envelope_json.encode("utf-8"))
        return f"250 2.0.0 OK stored as {name}"


def write_atomically(path, data):
    """Write then rename, so a reader never sees half a file."""
    temp = path + ".tmp"
    with open(temp, "wb") as handle:
        handle.write(data)
    os.replace(temp, path)


def authenticator_for(user, password):
    """An aiosmtpd authenticator accepting exactly one user and password."""

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode("utf-8")
            and auth_data.password == password.encode("utf-8")
        )
        return AuthResult(success=ok, handled=False)

    return authenticate


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True, help="where received messages are written")
    parser.add_argument("--refuse", action="append", default=[])
    parser.add_argument("--defer", action="append", default=[])
    parser.add_argument("--auth", help="USER:PASSWORD required from clients")
    args = parser.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    options = {}
    if args.auth:
        user, _, password = args.auth.partition(":")
        # Loopback tests run without TLS, so AUTH must be allowed in clear.
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        options = dict(auth_required=True, auth_require_tls=False, authenticator=authenticator_for(user, password))
    controller = Controller(
        Sink(args.dir, args.refuse, args.defer), hostname="127.0.0.1", port=args.port, **options
    )
    controller.start()
    print("READY", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
