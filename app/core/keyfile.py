"""The deployment's secret for keyed hashes (the HMAC that stores a saving client's key): the
``client_hash_secret`` setting, else a random key made once in the data directory (mode 0600) and read back
on every start, so hashes stay comparable across restarts without anyone having to configure one."""

from __future__ import annotations

import os
import secrets

from app.core.config import Settings

KEY_FILE = "client-hash.key"


def client_hash_key(settings: Settings) -> bytes:
    if settings.client_hash_secret:
        return settings.client_hash_secret.encode()
    path = settings.data_dir / KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # another process may win the race
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key
