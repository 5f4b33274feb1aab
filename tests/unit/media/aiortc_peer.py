#!/usr/bin/python3
"""An independent WebRTC far end for transport_aiortc_test (Debian's aiortc).

Speaks one JSON object per line on stdin/stdout:
  --role offer : prints {"sdp": offer}, then reads {"sdp": answer}
  --role answer: reads {"sdp": offer}, then prints {"sdp": answer}
It sends a PCMU sine tone (--tone Hz) and, --seconds after the connection is
up, prints {"result": {...}}: frames received, those in the last 5 s, the
dominant frequency of what it heard, and the connection state.

aioice leaves loopback out and gathers every other interface, so host
addresses are limited to 127.0.0.1 here (the test runs in a netns with lo only).
"""
import argparse
import asyncio
import fractions
import json
import math
import sys
import time

import aioice.ice
import numpy
from av import AudioFrame
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.rtcrtpsender import RTCRtpSender

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

RATE = 8000
SAMPLES = 160  # 20 ms


class ToneTrack(MediaStreamTrack):
    kind = "audio"

    def __init__(self, freq):
        super().__init__()
        self.freq = freq
        self.pts = 0
        self.start = None

    async def recv(self):
        if self.start is None:
            self.start = time.time()
        wait = self.start + self.pts / RATE - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        t = (numpy.arange(SAMPLES) + self.pts) / RATE
        samples = (numpy.sin(2 * math.pi * self.freq * t) * 8000).astype(numpy.int16)
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self.pts
        frame.time_base = fractions.Fraction(1, RATE)
        self.pts += SAMPLES
        return frame


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def read_json():
    line = await asyncio.get_event_loop().run_in_executor(None, sys.stdin.readline)
    return json.loads(line)


async def main(args):
    pc = RTCPeerConnection()
    received = []  # (time, samples)
    connected = asyncio.Event()
    failed = asyncio.Event()

    @pc.on("connectionstatechange")
    def on_state():
        print("aiortc: connection", pc.connectionState, file=sys.stderr, flush=True)
        if pc.connectionState == "connected":
            connected.set()
        elif pc.connectionState in ("failed", "closed"):
            failed.set()

    @pc.on("track")
    def on_track(track):
        async def consume():
            while True:
                try:
                    frame = await track.recv()
                except Exception:
                    return
                pcm = frame.to_ndarray().reshape(-1).astype(numpy.float64)
                received.append((time.time(), pcm, frame.sample_rate))

        asyncio.ensure_future(consume())

    def add_tone():
        transceiver = pc.addTransceiver(ToneTrack(args.tone), direction="sendrecv")
        pcmu = [c for c in RTCRtpSender.getCapabilities("audio").codecs if c.mimeType == "audio/PCMU"]
        transceiver.setCodecPreferences(pcmu)

    if args.role == "offer":
        add_tone()
        await pc.setLocalDescription(await pc.createOffer())
        emit({"sdp": pc.localDescription.sdp})
        answer = await read_json()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    else:
        offer = await read_json()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        # Attach our tone to the transceiver the offer created.
        for t in pc.getTransceivers():
            t.sender.replaceTrack(ToneTrack(args.tone))
            t.direction = "sendrecv"
        await pc.setLocalDescription(await pc.createAnswer())
        emit({"sdp": pc.localDescription.sdp})

    try:
        await asyncio.wait_for(connected.wait(), 15)
    except asyncio.TimeoutError:
        pass
    t_connected = time.time()
    end = t_connected + args.seconds
    while time.time() < end and not failed.is_set():
        await asyncio.sleep(0.2)

    now = time.time()
    result = {"frames": len(received), "frames_last5s": sum(1 for t, _, _ in received if t > now - 5),
              "state": pc.connectionState, "freq": 0.0}
    if received:
        rate = received[-1][2]
        pcm = numpy.concatenate([p for _, p, _ in received[-50:]])
        spectrum = numpy.abs(numpy.fft.rfft(pcm * numpy.hanning(len(pcm))))
        result["freq"] = float(numpy.argmax(spectrum[1:]) + 1) * rate / len(pcm)
    emit({"result": result})
    await pc.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--role", choices=["offer", "answer"], required=True)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--tone", type=float, default=440)
    asyncio.run(main(parser.parse_args()))
