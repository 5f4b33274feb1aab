"""Tone tools of the SIP test network: a WAV tone for a far end to send, and
tone detection in what it recorded. The arithmetic is the project's own
(tests/integration/dialtone_harness.py: Goertzel share of the energy, as
tests/common/tone_detect.hpp; tests/sim/farend.py: dominant frequency)."""
from __future__ import annotations

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(HERE, "..", "integration"))
from dialtone_harness import read_wav, rms, tone, tone_ratio, write_wav  # noqa: E402,F401


def write_tone_wav(path: str, freqs, seconds: float, rate: int = 8000, level: int = 8000) -> str:
    """A mono 16-bit WAV of the sum of `freqs` (Hz)."""
    freqs = list(freqs) if isinstance(freqs, (list, tuple)) else [freqs]
    write_wav(path, tone(freqs, seconds, rate, level), rate)
    return path


def join_recordings(paths: list[str], last_seconds: float | None = None):
    """(samples, rate) of several recordings one after the other (files may
    still be growing); only the last `last_seconds` when given."""
    parts, rate = [], None
    for p in paths:
        try:
            x, r = read_wav(p)
        except (ValueError, TypeError, OSError):
            continue  # header not written yet
        if r is None:
            continue
        if rate is not None and r != rate:
            raise ValueError(f"recordings at different rates: {rate} and {r}")
        rate = r
        parts.append(x)
    x = np.concatenate(parts) if parts else np.zeros(0)
    if last_seconds is not None and rate:
        x = x[-int(last_seconds * rate):]
    return x, rate


def has_tone(x, hz: float, rate: int, min_ratio: float = 0.3) -> bool:
    """Whether `hz` carries at least `min_ratio` of the block's energy (a
    clean tone gives about 0.5 per component)."""
    return bool(rate) and len(x) > 0 and tone_ratio(x, hz, rate) >= min_ratio


def blocks_with_tone(x, hz: float, rate: int, block_s: float = 0.1, min_ratio: float = 0.3) -> int:
    """How many `block_s` blocks carry `hz`: a count that does not depend on
    where the tone starts."""
    n = int(block_s * rate)
    return sum(1 for i in range(0, len(x) - n + 1, n) if has_tone(x[i:i + n], hz, rate, min_ratio))


def dominant_hz(x, rate: int):
    """Strongest frequency of a block (for failure messages); None in silence."""
    if not rate or len(x) == 0:
        return None
    sys.path.append(os.path.join(HERE, "..", "sim"))
    from farend import dominant_frequency  # imported late: it loads aiortc
    return dominant_frequency(np.asarray(x[-rate:]), rate)[0]
