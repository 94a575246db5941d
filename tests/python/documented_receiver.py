"""Runs the Python receiver snippet of docs/wire-profiles.md (docs/receivers/ledger_webhooks.py) over requests.

stdin: [{"profile", "secret", "headers", "bodyBase64", "nowMs"}]; stdout: [true|false, ...]
"""
import base64
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "docs", "receivers"))
from ledger_webhooks import verify_ledger_webhook  # noqa: E402

cases = json.load(sys.stdin)
verdicts = [
    verify_ledger_webhook(c["profile"], c["secret"], c["headers"], base64.b64decode(c["bodyBase64"]), c["nowMs"] / 1000)
    for c in cases
]
print(json.dumps(verdicts))
