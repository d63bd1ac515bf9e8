"""What a shell command or query does, for calls whose name only says "run" (``bash``,
``run_shell``, ``execute_sql``): their side-effect class is the command's.

A coding agent runs commands all day, so ``execute`` is low risk by itself; a command that
deletes outside the working tree (``rm -rf ~/.ssh``, ``rm -r /var/backups``), force-pushes or
drops tables is a deletion, and one that uploads data (``curl -d @.env https://...``,
``scp``) or mails it is a post or a send, and is judged as one. Relative paths inside the
project (``rm -rf build/``) stay ``execute``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_DELETES = re.compile(
    r"(?:^|[;&|(`]\s*|\bsudo\s+)(?:rm|rmdir|shred|unlink|del|rd|remove-item)\b[^;&|\n]*?"
    r"(?<![\w.-])(?!/tmp/|/var/tmp/)(?:~|/|\.\.|[a-z]:\\|\$home\b|%userprofile%)"
    r"|\bgit\s+push\b[^;&|\n]*(?:--force\b|-f\b|--delete\b|\s:\S)"
    r"|\bgit\s+branch\s+-[dD]\b|\bgit\s+reset\s+--hard\b[^;&|\n]*\borigin\b"
    r"|\b(?:drop\s+(?:table|database|schema)|truncate\s+table)\b"
    r"|\bdelete\s+from\s+\w+\s*(?:;|$)",
    re.I | re.M,
)
_UPLOADS = re.compile(
    r"\b(?:curl|wget|http|httpie|invoke-webrequest|invoke-restmethod|iwr|irm)\b[^;&|\n]*"
    r"(?:\s-(?:d|F|T)\b|--data\S*|--form\b|--upload-file\b|--post-(?:data|file)\b"
    r"|-X\s*(?:POST|PUT|PATCH)\b|-Method\s+(?:Post|Put)\b|\s\w+=\S)"
    r"|\b(?:scp|rsync|sftp)\b[^;&|\n]*\s\S*@?[\w.-]+:\S*"
    r"|\b(?:nc|ncat|netcat)\s+[\w.-]+\s+\d+",
    re.I | re.M,
)
_CODE_UPLOADS = re.compile(
    r"\brequests\.(?:post|put|patch)\b|\burllib\.request\.urlopen\([^)]*data="
    r"|\bhttpx\.(?:post|put|patch)\b|\baxios\.(?:post|put|patch)\b"
    r"|\bfetch\([^)]*method:\s*['\"](?:POST|PUT|PATCH)"
    r"|\b(?:Invoke-RestMethod|Invoke-WebRequest)\b[^;\n]*-Body\b",
    re.I,
)
"""Code that sends data over HTTP (a notebook cell, ``python -c``, ``node -e``)."""
_MAILS = re.compile(r"\b(?:mail|mailx|sendmail|mutt|swaks)\b\s+[^;&|\n]*@", re.I | re.M)


def command_effect(texts: Iterable[str]) -> str | None:
    """The side-effect class of the commands in a call's argument strings, when it is more
    than running something: ``delete``, ``post`` or ``send``; None otherwise."""
    for text in texts:
        if _DELETES.search(text):
            return "delete"
    for text in texts:
        if _UPLOADS.search(text) or _CODE_UPLOADS.search(text):
            return "post"
        if _MAILS.search(text):
            return "send"
    return None
