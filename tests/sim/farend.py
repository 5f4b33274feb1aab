"""The far end of a call: an aiortc peer that plays a known tone and analyses
what it hears.

Import this module before creating any RTCPeerConnection: it patches aiortc /
aioice process-wide so that

* ICE gathers exactly one host address, 127.0.0.1 (Debian's aioice skips
  loopback and takes every other interface; tests run in a namespace where lo
  is the only interface, and the simulator must never send elsewhere). No
  STUN/TURN servers are configured, and remote candidates that are not
  127.0.0.1 (including mDNS .local names, which would cause multicast) are
  dropped before aioice sees them;
* telephone-event/48000 (pt 126) and telephone-event/8000 (pt 101) are part of
  the audio capabilities, so answers accept the device's DTMF payload types and
  our offers propose them;
* RTP packets whose payload type is a negotiated telephone-event are taken
  out before aiortc's receiver (which has no decoder for them and would drop
  them) and parsed as RFC 4733 events: that is how received DTMF is recorded.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fractions
import ipaddress
import logging
import math
import os
import random
import re
import struct
import time
import wave
from collections import deque

import aioice.ice
import numpy as np
from aiortc import (RTCConfiguration, RTCPeerConnection, RTCRtpCodecParameters,
                    RTCSessionDescription)
from aiortc import codecs as aiortc_codecs
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcrtpreceiver import RTCRtpReceiver
import av

log = logging.getLogger("yna_sim.farend")

LOOPBACK = "127.0.0.1"
PTIME = 0.020
RATE = 48000
TONE_AMPLITUDE = 0.3          # about -10.5 dBFS
ANALYSIS_BLOCK_MS = 100        # dominant-frequency window
SILENCE_DBFS = -50.0           # below this a block has no dominant frequency

# --- process-wide patches (see module docstring) ---------------------------------------


def _loopback_only(use_ipv4: bool = True, use_ipv6: bool = True):
    return [LOOPBACK] if use_ipv4 else []


aioice.ice.get_host_addresses = _loopback_only

_orig_add_remote = aioice.ice.Connection.add_remote_candidate


async def _add_remote_loopback_only(self, remote_candidate):
    if remote_candidate is not None:
        try:
            ok = ipaddress.ip_address(remote_candidate.host) == ipaddress.ip_address(LOOPBACK)
        except ValueError:
            ok = False
        ok = ok and remote_candidate.transport.lower() == "udp"   # aioice gathers UDP only
        if not ok:
            log.info("ignoring remote candidate %s (only %s is used)", remote_candidate.host,
                     LOOPBACK)
            return
    await _orig_add_remote(self, remote_candidate)


aioice.ice.Connection.add_remote_candidate = _add_remote_loopback_only

# Datagram loss on the far ends' media paths (DTLS, SRTP, SRTCP), both
# directions, for soak runs (config `loss_pct`); STUN checks are not dropped.
LOSS = {"pct": 0.0}
_loss_rng = random.Random(0x10557)
_orig_sendto = aioice.ice.Connection.sendto
_orig_recvfrom = aioice.ice.Connection.recvfrom


def _lost() -> bool:
    return LOSS["pct"] > 0 and _loss_rng.random() * 100 < LOSS["pct"]


async def _sendto_lossy(self, data, component):
    if _lost():
        return
    await _orig_sendto(self, data, component)


async def _recvfrom_lossy(self):
    while True:
        result = await _orig_recvfrom(self)
        if not _lost():
            return result


aioice.ice.Connection.sendto = _sendto_lossy
aioice.ice.Connection.recvfrom = _recvfrom_lossy

if not any(c.mimeType.lower() == "audio/telephone-event" for c in aiortc_codecs.CODECS["audio"]):
    aiortc_codecs.CODECS["audio"] += [
        RTCRtpCodecParameters(mimeType="audio/telephone-event", clockRate=48000, payloadType=126,
                              parameters={"0-16": None}),
        RTCRtpCodecParameters(mimeType="audio/telephone-event", clockRate=8000, payloadType=101,
                              parameters={"0-16": None}),
    ]

# Opus as 111, the number browsers and the device use. aiortc writes its own
# numbers into every offer it makes, re-offers included, and keeps a started
# receiver on the numbers first negotiated: with its default 96, a re-offer
# in a call the device opened (opus 111) would move the device's sending to
# 96, which aiortc's receiver then drops. RFC 3264 section 8.3.2 asks a
# re-offer to keep the numbers in use; with 111 here, aiortc's do.
aiortc_codecs.CODECS["audio"] = [
    dataclasses.replace(c, payloadType=111) if c.mimeType.lower() == "audio/opus" else c
    for c in aiortc_codecs.CODECS["audio"]
]

_orig_handle_rtp = RTCRtpReceiver._handle_rtp_packet


async def _handle_rtp_with_tap(self, packet, arrival_time_ms):
    tap = getattr(self, "_yna_dtmf_tap", None)
    if tap is not None and tap(packet):
        return
    await _orig_handle_rtp(self, packet, arrival_time_ms)


RTCRtpReceiver._handle_rtp_packet = _handle_rtp_with_tap

DTMF_EVENTS = "0123456789*#ABCD"


def telephone_event_pts(sdp: str | None) -> dict:
    """payload type -> clock rate for every telephone-event rtpmap in an SDP."""
    out = {}
    for m in re.finditer(r"a=rtpmap:(\d+) telephone-event/(\d+)", sdp or "", re.I):
        out[int(m.group(1))] = int(m.group(2))
    return out


# --- what the far end sends --------------------------------------------------------------


class ToneTrack(MediaStreamTrack):
    """20 ms mono frames at 48 kHz: a sine at `freq` Hz, silence when freq is 0,
    or (echo mode) the audio most recently received, ~100 ms late."""

    kind = "audio"

    def __init__(self):
        super().__init__()
        self.freq = 0.0
        self.echo = False
        self.muted = False   # negotiated direction does not allow sending: send silence
        self.echo_buf: deque = deque()
        self._phase = 0.0
        self._start = None
        self._ts = 0

    def feed_echo(self, mono48k: np.ndarray) -> None:
        if self.echo:
            self.echo_buf.extend(mono48k.tolist())
            while len(self.echo_buf) > RATE:  # at most 1 s behind
                self.echo_buf.popleft()

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        n = int(PTIME * RATE)
        if self._start is None:
            self._start = time.time()
        else:
            self._ts += n
            wait = self._start + self._ts / RATE - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        if self.muted:
            samples = np.zeros(n)
        elif self.echo:
            if len(self.echo_buf) >= n + RATE // 10 or (len(self.echo_buf) >= n and self._primed):
                self._primed = True
                samples = np.array([self.echo_buf.popleft() for _ in range(n)], dtype=np.float32)
            else:
                self._primed = False
                samples = np.zeros(n, dtype=np.float32)
        elif self.freq > 0:
            step = 2 * math.pi * self.freq / RATE
            samples = TONE_AMPLITUDE * np.sin(self._phase + step * np.arange(n))
            self._phase = (self._phase + step * n) % (2 * math.pi)
        else:
            samples = np.zeros(n)
        pcm = np.clip(samples * 32767, -32768, 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._ts
        frame.time_base = fractions.Fraction(1, RATE)
        return frame

    _primed = False


# --- what the far end hears --------------------------------------------------------------


class Analyzer:
    """RMS per 20 ms and dominant frequency per 100 ms of the received audio,
    timestamped in ms since the far end was created. Also keeps the audio (mono,
    at the received rate) for a WAV file."""

    def __init__(self, t0: float):
        self.t0 = t0
        self.rate = None
        self.buf20 = np.zeros(0, dtype=np.float32)
        self.block = np.zeros(0, dtype=np.float32)
        self.rms: list = []        # [t_ms, rms(linear, full scale 1.0)]
        self.dominant: list = []   # [t_ms, hz or None, dBFS]
        self.frames = 0
        self.samples_total = 0
        self.pcm_chunks: list = []  # int16 arrays for the WAV
        self.pcm_rate = None

    def _t(self) -> int:
        return int((time.monotonic() - self.t0) * 1000)

    def add(self, mono: np.ndarray, rate: int) -> None:
        if rate != self.rate:
            self.rate = rate
            self.buf20 = np.zeros(0, dtype=np.float32)
            self.block = np.zeros(0, dtype=np.float32)
        self.frames += 1
        self.samples_total += len(mono)
        if self.pcm_rate in (None, rate) and self.samples_total < rate * 600:  # <= 10 min
            self.pcm_rate = rate
            self.pcm_chunks.append(np.clip(mono * 32767, -32768, 32767).astype(np.int16))
        t = self._t()
        w = int(rate * 0.020)
        self.buf20 = np.concatenate([self.buf20, mono])
        while len(self.buf20) >= w:
            chunk, self.buf20 = self.buf20[:w], self.buf20[w:]
            self.rms.append([t, round(float(np.sqrt(np.mean(chunk.astype(np.float64) ** 2))), 5)])
        b = int(rate * ANALYSIS_BLOCK_MS / 1000)
        self.block = np.concatenate([self.block, mono])
        while len(self.block) >= b:
            chunk, self.block = self.block[:b], self.block[b:]
            self.dominant.append([t, *dominant_frequency(chunk, rate)])

    def summary(self, since_ms: int = 0) -> dict:
        dom = [d for d in self.dominant if d[0] >= since_ms]
        hist: dict = {}
        for _, hz, _db in dom:
            if hz is not None:
                k = int(round(hz / 10.0) * 10)
                hist[k] = hist.get(k, 0) + 1
        top = sorted(hist.items(), key=lambda kv: -kv[1])[:5]
        return {"sample_rate": self.rate, "frames": self.frames,
                "seconds": round(self.samples_total / self.rate, 3) if self.rate else 0,
                "rms_20ms": [r for r in self.rms if r[0] >= since_ms],
                "dominant_100ms": dom,
                "top_frequencies": [{"hz": k, "blocks": v} for k, v in top]}

    def write_wav(self, path: str) -> str | None:
        if not self.pcm_chunks:
            return None
        with wave.open(path, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(self.pcm_rate)
            w.writeframes(np.concatenate(self.pcm_chunks).tobytes())
        return path


def dominant_frequency(x: np.ndarray, rate: int):
    """(Hz, dBFS) of the strongest spectral peak of a block; Hz is None in silence.
    Hann window plus parabolic interpolation of the log magnitude gives ~1 Hz accuracy
    for a steady tone in a 100 ms block."""
    x = x.astype(np.float64)
    rms = float(np.sqrt(np.mean(x ** 2))) if len(x) else 0.0
    db = 20 * math.log10(rms) if rms > 0 else -120.0
    if db < SILENCE_DBFS:
        return None, round(db, 1)
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    spec[0] = 0.0
    k = int(np.argmax(spec))
    hz = k * rate / len(x)
    if 0 < k < len(spec) - 1:
        a, b, c = (math.log(max(v, 1e-12)) for v in spec[k - 1:k + 2])
        denom = a - 2 * b + c
        if denom != 0:
            hz = (k + 0.5 * (a - c) / denom) * rate / len(x)
    return round(hz, 1), round(db, 1)


class DtmfTap:
    """RFC 4733 telephone-event parser. One digit = one RTP timestamp; it is
    recorded at its first packet and completed at its first end packet (the
    end packet is normally sent three times)."""

    def __init__(self, t0: float):
        self.t0 = t0
        self.pts: dict = {}          # payload type -> clock rate
        self.digits: list = []
        self._by_ts: dict = {}
        self.packets = 0

    def __call__(self, packet) -> bool:
        if packet.payload_type not in self.pts:
            return False
        self.packets += 1
        p = packet.payload
        if len(p) < 4:
            return True
        event, flags, duration = p[0], p[1], struct.unpack("!H", p[2:4])[0]
        end, volume = bool(flags & 0x80), flags & 0x3F
        key = (packet.ssrc, packet.timestamp)
        rec = self._by_ts.get(key)
        if rec is None:
            rec = {"digit": DTMF_EVENTS[event] if event < 16 else f"event{event}",
                   "event": event, "t_ms": int((time.monotonic() - self.t0) * 1000),
                   "rtp_timestamp": packet.timestamp, "payload_type": packet.payload_type,
                   "clock_rate": self.pts[packet.payload_type], "volume": volume,
                   "duration_ms": None, "end_packets": 0, "marker": bool(packet.marker)}
            self._by_ts[key] = rec
            self.digits.append(rec)
        if end:
            rec["end_packets"] += 1
            rec["duration_ms"] = round(duration * 1000 / rec["clock_rate"], 1)
        return True

    def digit_string(self) -> str:
        return "".join(d["digit"] for d in self.digits if len(d["digit"]) == 1)


class FarEnd:
    """One aiortc peer connection playing a tone; JSEP helpers for the call flows."""

    def __init__(self, name: str, out_dir: str | None = None):
        self.name = name
        self.out_dir = out_dir
        self.t0 = time.monotonic()
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.tone = ToneTrack()
        self.analyzer = Analyzer(self.t0)
        self.dtmf = DtmfTap(self.t0)
        self.events: list = []   # ICE/connection state changes
        self._consumers: list = []
        self._sender_added = False
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_state)
        self.pc.on("iceconnectionstatechange", self._on_ice)

    # state
    def _stamp(self, what: str, value: str) -> None:
        self.events.append([int((time.monotonic() - self.t0) * 1000), what, value])

    async def _on_state(self):
        self._stamp("connection", self.pc.connectionState)

    async def _on_ice(self):
        self._stamp("ice", self.pc.iceConnectionState)

    def _on_track(self, track):
        if track.kind == "audio":
            self._consumers.append(asyncio.ensure_future(self._consume(track)))

    async def _consume(self, track):
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            except Exception as e:  # keep analysing whatever else arrives
                log.warning("%s: receive failed: %s", self.name, e)
                return
            arr = frame.to_ndarray()
            ch = len(frame.layout.channels)
            if frame.format.is_planar:
                mono = arr[0]
            else:
                mono = arr.reshape(-1)[::ch] if ch > 1 else arr.reshape(-1)
            mono = mono.astype(np.float32) / 32768.0
            self.analyzer.add(mono, frame.sample_rate)
            if self.tone.echo:
                factor = RATE // frame.sample_rate if frame.sample_rate else 1
                self.tone.feed_echo(np.repeat(mono, factor) if factor > 1 else mono)

    def _refresh_dtmf_pts(self) -> None:
        # Also: aiortc never pauses a started sender, so honour hold directions by
        # sending silence when the negotiated direction excludes sending.
        t = self._audio_transceiver()
        if t is not None and t.currentDirection is not None:
            self.tone.muted = t.currentDirection not in ("sendonly", "sendrecv")
        pts = {}
        for d in (self.pc.localDescription, self.pc.remoteDescription):
            if d is not None:
                pts.update(telephone_event_pts(d.sdp))
        self.dtmf.pts = pts
        for t in self.pc.getTransceivers():
            t.receiver._yna_dtmf_tap = self.dtmf

    def _ensure_sender(self) -> None:
        if not self._sender_added:
            self._sender_added = True
            self.pc.addTrack(self.tone)   # re-uses the offer's transceiver, or makes one

    def _audio_transceiver(self):
        trs = [t for t in self.pc.getTransceivers() if t.kind == "audio"]
        return trs[0] if trs else None

    # JSEP
    async def set_remote_offer(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        self._ensure_sender()
        self._refresh_dtmf_pts()

    async def create_answer(self) -> str:
        answer = await self.pc.createAnswer()
        await self.pc.setLocalDescription(answer)   # gathers: no trickle
        self._refresh_dtmf_pts()
        return self.pc.localDescription.sdp

    async def create_offer(self, direction: str = "sendrecv") -> str:
        self._ensure_sender()
        t = self._audio_transceiver()
        if t is not None:
            t.direction = direction
        offer = await self.pc.createOffer()
        await self.pc.setLocalDescription(offer)
        self._refresh_dtmf_pts()
        return self.pc.localDescription.sdp

    async def set_remote_answer(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        self._refresh_dtmf_pts()

    async def close(self) -> None:
        self.tone.freq = 0
        for c in self._consumers:
            c.cancel()
        await self.pc.close()
        self.save_wav()

    def save_wav(self) -> str | None:
        if not self.out_dir:
            return None
        os.makedirs(self.out_dir, exist_ok=True)
        return self.analyzer.write_wav(os.path.join(self.out_dir, f"{self.name}-heard.wav"))

    def audio_report(self, since_ms: int = 0) -> dict:
        rep = self.analyzer.summary(since_ms)
        rep["dtmf"] = self.dtmf.digits
        rep["dtmf_digits"] = self.dtmf.digit_string()
        rep["telephone_event_packets"] = self.dtmf.packets
        rep["telephone_event_pts"] = self.dtmf.pts
        rep["connection_events"] = self.events
        rep["connection_state"] = self.pc.connectionState
        rep["playing_hz"] = self.tone.freq
        rep["echo"] = self.tone.echo
        rep["muted"] = self.tone.muted
        return rep
