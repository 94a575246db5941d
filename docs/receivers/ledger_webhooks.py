"""Verifies a Ledger webhook request in Python 3.8+, with nothing but the standard library.

raw_body: the request body exactly as received (bytes); headers: the request's headers (any mapping).
`now` (unix seconds) is for tests; leave it out.
"""
import base64
import hashlib
import hmac
import time

TOLERANCE_SECONDS = 5 * 60


def verify_ledger_webhook(profile, secret, headers, raw_body, now=None):
    h = {name.lower(): str(value) for name, value in headers.items()}
    now = time.time() if now is None else now
    if profile in ("standard", "svix"):
        return _standard_webhooks("webhook" if profile == "standard" else "svix", secret, h, raw_body, now)
    if profile == "kash":
        return _kash(secret, h, raw_body, now)
    if profile == "v2k":
        return _hex_hmac(secret, h, raw_body, "x-v2k-signature", "")
    if profile == "generic":
        return _hex_hmac(secret, h, raw_body, "x-webhook-signature", "")
    if profile == "github":
        return _hex_hmac(secret, h, raw_body, "x-hub-signature-256", "sha256=")
    raise ValueError("unknown profile " + profile)


def _standard_webhooks(prefix, secret, h, body, now):
    # HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed by the base64 after "whsec_"; "v1,<base64>" per secret.
    msg_id, timestamp, signatures = h.get(prefix + "-id"), h.get(prefix + "-timestamp", ""), h.get(prefix + "-signature")
    if not msg_id or not timestamp.isdigit() or not signatures:
        return False
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(s.startswith("v1,") and hmac.compare_digest(s[3:], expected) for s in signatures.split(" "))


def _kash(secret, h, body, now):
    # X-Kash-Signature "t=<unix ms>,v1=<hex>[,v1=<hex>]": hex HMAC-SHA256 of "{t}.{body}" keyed by the secret.
    parts = h.get("x-kash-signature", "").split(",")
    t = next((p[2:] for p in parts if p.startswith("t=")), "")
    if not t.isdigit() or abs(now * 1000 - int(t)) > TOLERANCE_SECONDS * 1000:
        return False
    expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(p.startswith("v1=") and hmac.compare_digest(p[3:], expected) for p in parts)


def _hex_hmac(secret, h, body, header, prefix):
    # Hex HMAC-SHA256 of the body; during a rotation the old secret's signature is in "<header>-Previous".
    expected = prefix + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    candidates = [h.get(header, "")] + h.get(header + "-previous", "").split(",")
    return any(c and hmac.compare_digest(c, expected) for c in candidates)
