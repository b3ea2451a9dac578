"""XOAUTH2 access tokens from a command the clinic supplies.

Microsoft 365 (app-only client credentials) and Gmail (refresh token) both end in a short-lived
access token; how to obtain one is the clinic's script (for example a few lines of `msal` or
`google-auth`), named by RXINTAKE_IMAP_OAUTH_TOKEN_COMMAND. rxintake runs it at each login, so
a fresh token is used after every reconnect, and never logs what it prints.
"""

from __future__ import annotations

import shlex
import subprocess

from rxintake.errors import ConfigError, TransientError
from rxintake.settings import Settings


def command_token_source(command: str, timeout: float = 60.0):
    """A callable returning the token printed (first non-empty line of stdout) by `command`."""
    argv = shlex.split(command)
    if not argv:
        raise ConfigError("RXINTAKE_IMAP_OAUTH_TOKEN_COMMAND is empty")

    def token() -> str:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        except FileNotFoundError:
            raise ConfigError(f"token command not found: {argv[0]}") from None
        except subprocess.TimeoutExpired:
            raise TransientError(f"token command {argv[0]} did not finish in {timeout:.0f} s") from None
        lines = [ln.strip() for ln in done.stdout.splitlines() if ln.strip()]
        if done.returncode != 0 or not lines:
            # stderr may name the tenant or the account, never the token: keep its last line only
            why = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
            raise TransientError(f"token command {argv[0]} failed (exit {done.returncode}): {why}")
        return lines[0]

    return token


def token_source_for(settings: Settings):
    if settings.imap_auth != "xoauth2":
        return None
    if not settings.imap_oauth_token_command:
        raise ConfigError("RXINTAKE_IMAP_AUTH=xoauth2 needs RXINTAKE_IMAP_OAUTH_TOKEN_COMMAND, "
                          "a command that prints an access token")
    return command_token_source(settings.imap_oauth_token_command)
