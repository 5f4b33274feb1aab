#!/usr/bin/python3
"""YNA network simulator: entry point.

    /usr/bin/python3 tests/sim/yna_sim.py --dir DIR [--port 0] [--admin-port 0] ...

Prints one JSON line on stdout when ready (see README.md), then serves until
SIGTERM/SIGINT. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aiohttp import web  # noqa: E402

import farend  # noqa: E402,F401  (first: patches aiortc/aioice; importing it takes ~1.5 s)
import pki  # noqa: E402
from admin import AdminApi  # noqa: E402
from calls import BEHAVIOURS, NUMBERS, CallManager  # noqa: E402
from channel import ChannelHub  # noqa: E402
from rest import AccountApi, Checker, make_record_middleware  # noqa: E402
from state import Config, SimState  # noqa: E402

HOST = "127.0.0.1"   # never anything else


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="YNA network simulator (HTTPS + WSS + WebRTC far end)")
    p.add_argument("--dir", required=True, help="working directory: PKI, keys, config fragment, "
                                                "recordings")
    p.add_argument("--port", type=int, default=0, help="HTTPS/WSS port (0: pick one)")
    p.add_argument("--admin-port", type=int, default=0, help="admin HTTP port (0: pick one)")
    p.add_argument("--pop-public-key", help="device PoP public key PEM (default: generate a "
                                            "pair in DIR)")
    p.add_argument("--redirect-uri", default="http://127.0.0.1:8080/oauth/callback")
    p.add_argument("--client-id", default="dialtone-sim-client")
    p.add_argument("--client-secret", help="default: random, kept in DIR/sim-credentials.json")
    p.add_argument("--msisdn", default="+14255550100", help="the linked line's number")
    p.add_argument("--token-lifetime", type=int, default=3600, help="expires_in of access "
                                                                     "tokens, seconds")
    p.add_argument("--status-202", type=int, default=0, help="answer /account/status with 202 "
                                                             "this many times first")
    p.add_argument("--retry-after", type=int, default=1, help="Retry-After of those 202s")
    p.add_argument("--link-deny", action="store_true", help="linkAccount denies "
                                                            "(error=access_denied)")
    p.add_argument("--default-behaviour", default="ring_answer", choices=sorted(BEHAVIOURS),
                   help="behaviour of numbers not in the table")
    p.add_argument("--tone-hz", type=float, default=1000.0, help="far-end tone once connected")
    p.add_argument("--host-name", help="channel URLs name this host instead of 127.0.0.1 (the "
                                         "test resolves it); the server certificate carries it too")
    p.add_argument("--demo", action="store_true", help="human-friendly: progress on stderr, "
                                                       "example device config in DIR")
    p.add_argument("--verbose", action="store_true", help="every event as JSON on stderr")
    return p.parse_args(argv)


def _credentials(d: str, args) -> tuple[str, str]:
    path = os.path.join(d, "sim-credentials.json")
    saved = {}
    if os.path.exists(path):
        with open(path) as f:
            saved = json.load(f)
    secret = args.client_secret or (saved.get("client_secret") if saved.get("client_id") ==
                                    args.client_id else None) or secrets.token_urlsafe(24)
    with open(path, "w") as f:
        json.dump({"client_id": args.client_id, "client_secret": secret}, f)
    os.chmod(path, 0o600)
    return args.client_id, secret


def _write_json(path: str, obj, mode=0o600) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.chmod(tmp, mode)
    os.replace(tmp, path)


async def run(args) -> None:
    d = os.path.abspath(args.dir)
    os.makedirs(d, exist_ok=True)
    p = pki.ensure_pki(d, args.pop_public_key, [args.host_name] if args.host_name else [])
    client_id, client_secret = _credentials(d, args)
    cfg = Config(token_lifetime_s=args.token_lifetime, status_202_count=args.status_202,
                 retry_after_s=args.retry_after, link_deny=args.link_deny,
                 default_behaviour=args.default_behaviour, tone_hz=args.tone_hz)
    st = SimState(client_id=client_id, client_secret=client_secret,
                  redirect_uri=args.redirect_uri, msisdn=args.msisdn, config=cfg)
    st.verbose, st.human = args.verbose, args.demo

    checker = Checker(st, p.public_key())
    hub = ChannelHub(st, checker)
    calls = CallManager(st, checker, os.path.join(d, "calls"))
    st.channels, st.calls = hub, calls
    account = AccountApi(st, checker)

    app = web.Application(middlewares=[make_record_middleware(st)], client_max_size=4 << 20)
    app.add_routes(account.routes() + hub.routes() + calls.routes())
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, HOST, args.port, ssl_context=p.server_ssl_context(),
                       reuse_address=True)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    st.base_url = f"https://{HOST}:{port}"
    # Only the channel goes by name, so a test can take its DNS away while the
    # REST endpoints (addresses) keep working.
    st.channel_base_url = f"wss://{args.host_name or HOST}:{port}"

    info = {"ready": True, "url": st.base_url, "admin": None, "ca_file": p.ca_file,
            "pop_key_file": p.pop_key_file, "pop_public_key_file": p.pop_pub_file,
            "client_id": client_id, "client_secret": client_secret,
            "redirect_uri": args.redirect_uri, "msisdn": args.msisdn,
            "config_fragment": os.path.join(d, "device-config-fragment.json")}
    admin = AdminApi(st, hub, calls, info)
    admin_runner = web.AppRunner(admin.app(), access_log=None, handle_signals=False)
    await admin_runner.setup()
    admin_site = web.TCPSite(admin_runner, HOST, args.admin_port, reuse_address=True)
    await admin_site.start()
    aport = admin_site._server.sockets[0].getsockname()[1]
    info["admin"] = f"http://{HOST}:{aport}"

    yna = {"auth_url": st.base_url, "api_url": st.base_url, "call_url": st.base_url,
           "client_id": client_id, "client_secret": client_secret,
           "redirect_uri": args.redirect_uri, "pop_key_file": p.pop_key_file,
           "ca_file": p.ca_file, "ping_interval_s": 30, "pong_timeout_s": 10}
    if p.pop_key_file is None:
        del yna["pop_key_file"]   # the caller holds the private key
    _write_json(info["config_fragment"], {"yna": yna})
    if args.demo:
        _write_demo_config(d, yna, args.redirect_uri)

    print(json.dumps(info), flush=True)
    if args.demo:
        _banner(st, info, d)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    st.say("shutting down")
    await calls.close_all()
    await admin_runner.cleanup()
    await runner.cleanup()


def _write_demo_config(d: str, yna: dict, redirect_uri: str) -> None:
    from urllib.parse import urlsplit
    u = urlsplit(redirect_uri)
    _write_json(os.path.join(d, "device-config-example.json"), {
        "board": "sim", "state_dir": os.path.join(d, "device-state"), "yna": yna,
        "ice": {"stun": [], "turn": [], "host_addresses": ["127.0.0.1"]},
        "audio": {"backend": "file", "capture": os.path.join(d, "mic.wav"),
                  "playback": os.path.join(d, "earpiece.wav")},
        "web": {"listen": f"{u.hostname}:{u.port or 80}"}})
    _write_demo_mic(os.path.join(d, "mic.wav"))


def _write_demo_mic(path: str) -> None:
    """A microphone signal for the file audio backend: 1 s of 440 Hz, 1 s of silence
    (looped by the device), so the far end's audio report shows it."""
    if os.path.exists(path):
        return
    import math
    import struct
    import wave
    rate = 16000
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                      for i in range(rate)) + b"\x00\x00" * rate
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)


def _banner(st: SimState, info: dict, d: str) -> None:
    lines = [
        "",
        "YNA simulator is up (demo mode).",
        f"  network (auth/api/call): {info['url']}",
        f"  admin API:               {info['admin']}   (try: curl {info['admin']}/state)",
        f"  device config fragment:  {info['config_fragment']}",
        f"  full example config:     {os.path.join(d, 'device-config-example.json')}",
        f"  your line:               {st.msisdn}",
        "Numbers to dial: " + ", ".join(f"{n} {b}" for n, b in NUMBERS.items()),
        f"  any other number: {st.config.default_behaviour}",
        "Incoming call: curl -X POST -d '{\"from\":\"+14255550123\"}' "
        f"{info['admin']}/call/incoming",
        "",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    if not args.verbose:
        # TLS handshakes a client aborts (e.g. a device refusing a cert) log tracebacks.
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        logging.getLogger("aioice").setLevel(logging.WARNING)
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
