"""`bulletin bench fanout --dkim`: what signing costs, against a bare OpenSSL signature.

The fan-out runs twice in one benchmark, DKIM off then on (same readers, sinks and
machine), so the difference in the worker's CPU per message is what signing adds.
Beside it, in this process: one RSA-2048 signature of a message-sized input timed
alone (the floor no signer can go under), and whether two threads signing at once
use two cores (whether `cryptography` lets go of the GIL while it signs).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SELECTOR = "bench"
BARE_SIGNATURES = 2_000
_PADDING = padding.PKCS1v15()


def write_key(workdir: str) -> Path:
    """A fresh RSA-2048 key in the benchmark's directory (never a real newsroom's)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = Path(workdir) / "dkim-bench.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return path


def env(key_file: Path, domain: str) -> dict[str, str]:
    return {
        "BULLETIN_DKIM_DOMAIN": domain,
        "BULLETIN_DKIM_SELECTOR": SELECTOR,
        "BULLETIN_DKIM_KEY_FILE": str(key_file),
    }


def bare_signature_us(key_file: Path, message: bytes, *, count: int = BARE_SIGNATURES) -> float:
    """CPU microseconds of one RSA-2048 PKCS#1 v1.5 SHA-256 signature of `message`."""
    key = _load(key_file)
    started = time.process_time()
    for _ in range(count):
        key.sign(message, _PADDING, hashes.SHA256())
    return (time.process_time() - started) / count * 1e6


def two_thread_cpu_per_wall(key_file: Path, message: bytes) -> float:
    """CPU seconds per wall second while two threads sign: near 2 if the GIL is let go
    (and two cores are free), near 1 if signatures queue behind one another."""
    key = _load(key_file)

    def sign_many() -> None:
        for _ in range(BARE_SIGNATURES // 2):
            key.sign(message, _PADDING, hashes.SHA256())

    threads = [threading.Thread(target=sign_many) for _ in range(2)]
    cpu, wall = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (time.process_time() - cpu) / (time.perf_counter() - wall)


def figures(
    off: dict[str, Any], on: dict[str, Any], *, bare_us: float, two_threads: float
) -> dict[str, Any]:
    """The comparison: msg/s and CPU per 1,000 each way, and the added cost per message
    over the bare signature (the goal is at most 1.3)."""
    added_us = (on["cpu_s_per_1000"] - off["cpu_s_per_1000"]) * 1000
    return {
        "off_messages_per_s": off["messages_per_s"],
        "off_cpu_s_per_1000": off["cpu_s_per_1000"],
        "on_messages_per_s": on["messages_per_s"],
        "on_cpu_s_per_1000": on["cpu_s_per_1000"],
        "added_cpu_us_per_message": round(added_us, 1),
        "bare_rsa2048_signature_us": round(bare_us, 1),
        "ratio_added_to_bare": round(added_us / bare_us, 3) if bare_us else None,
        "rsa_two_threads_cpu_per_wall": round(two_threads, 2),
        "on_missing": on["missing"],
        "on_duplicates": on["duplicates"],
    }


def _load(key_file: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key
