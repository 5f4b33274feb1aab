"""What the media relay received: rtpengine's call recordings (pcap method,
raw IP) hold every RTP packet as it arrived from each party (source address
= the party's own); they are read back per source port and decoded (G.711)
into samples for tone detection.

This observes what each party sent, independently of the other party's own
recording, which matters with Debian's baresip 1.0.0: after any re-offer
that is not sendrecv (a hold) it drops its decode filter chain and never
rebuilds it, so its recording of what it hears stops at the first hold.
rtpengine writes the files through stdio buffers: a file read during a call
lags by up to 4 KiB (a few tenths of a second of two-way G.711).
"""
from __future__ import annotations

import glob
import os
import struct
from dataclasses import dataclass

import numpy as np

PCMU, PCMA = 0, 8


@dataclass
class RtpPacket:
    time: float
    src_port: int
    dst_port: int
    payload_type: int
    seq: int
    timestamp: int
    ssrc: int
    payload: bytes


def read_pcap(path: str) -> list[RtpPacket]:
    """RTP packets of a pcap file (LINKTYPE_RAW or Ethernet); a file still
    being written is read up to its last whole record."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    pos, out = 24, []
    while pos + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        pkt = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if len(pkt) < incl:
            break
        if linktype == 1:  # Ethernet
            pkt = pkt[14:]
        if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 17:
            continue
        udp = pkt[(pkt[0] & 15) * 4:]
        if len(udp) < 8 + 12:
            continue
        src_port, dst_port = struct.unpack("!HH", udp[0:4])
        rtp = udp[8:]
        if rtp[0] >> 6 != 2 or 72 <= (rtp[1] & 0x7F) <= 76:  # not RTP, or RTCP
            continue
        cc = rtp[0] & 15
        hdr = 12 + 4 * cc
        if rtp[0] & 0x10 and len(rtp) >= hdr + 4:  # header extension
            hdr += 4 + 4 * struct.unpack("!H", rtp[hdr + 2:hdr + 4])[0]
        end = len(rtp) - (rtp[-1] if rtp[0] & 0x20 else 0)
        seq, ts, ssrc = struct.unpack("!HII", rtp[2:12])
        out.append(RtpPacket(sec + frac / (1e9 if nano else 1e6), src_port, dst_port, rtp[1] & 0x7F, seq, ts, ssrc,
                             rtp[hdr:end]))
    return out


def _ulaw_table() -> np.ndarray:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return np.where(u & 0x80, 0x84 - t, t - 0x84).astype(np.int16)


def _alaw_table() -> np.ndarray:
    a = np.arange(256, dtype=np.int32) ^ 0x55
    seg = (a & 0x70) >> 4
    t = (a & 0x0F) << 4
    t = np.where(seg == 0, t + 8, np.where(seg == 1, t + 0x108, (t + 0x108) << np.maximum(seg - 1, 0)))
    return np.where(a & 0x80, t, -t).astype(np.int16)


ULAW, ALAW = _ulaw_table(), _alaw_table()


def decode_g711(packets: list[RtpPacket]):
    """(samples, 8000) of the PCMU/PCMA packets in sequence order (other
    payload types, telephone-events included, are left out)."""
    audio = [p for p in packets if p.payload_type in (PCMU, PCMA)]
    audio.sort(key=lambda p: (p.ssrc, p.time))
    parts = [(ULAW if p.payload_type == PCMU else ALAW)[np.frombuffer(p.payload, dtype=np.uint8)]
             for p in audio]
    return (np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)), 8000


class Recordings:
    """rtpengine's recordings directory (its `--recording-dir`)."""

    def __init__(self, directory: str):
        self.dir = directory

    def pcaps(self) -> list[str]:
        return sorted(glob.glob(os.path.join(self.dir, "pcaps", "*.pcap")), key=os.path.getmtime)

    def packets_from(self, ports, since: float | None = None, until: float | None = None) -> list[RtpPacket]:
        """Packets the relay received from a port (or a (low, high) range), over all calls."""
        lo, hi = (ports, ports) if isinstance(ports, int) else ports
        out = []
        for path in self.pcaps():
            out += [p for p in read_pcap(path) if lo <= p.src_port <= hi
                    and (since is None or p.time >= since) and (until is None or p.time < until)]
        return out

    def audio_from(self, ports, since: float | None = None, until: float | None = None):
        """(samples, rate) of the G.711 audio the relay received from `ports`
        between `since` and `until` (time.time() values)."""
        return decode_g711(self.packets_from(ports, since, until))
