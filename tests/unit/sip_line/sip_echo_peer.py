#!/usr/bin/python3
"""A SIP echo peer for the transport tests, on 127.0.0.1: UDP, TCP and TLS.

Written apart from the device's code (Python's socket and ssl modules,
framing of its own) so a passing test shows the two agree on the wire.

Every SIP message received is sent back with one header added after its
start line, "X-Peer: <transport> connection=<n>" (n counts the stream
connections that sent anything, from 1), unless its X-Test header asks
for something else:
  split    the echo goes out a few bytes at a time (partial reads)
  two      two echoes and a CRLFCRLF ping between them, in one write
  big      a 9000-byte message first (over the device's limit), then the echo
  garbage  a message without Content-Length (a stream cannot be framed on)
  close    no answer: the connection is closed
  mute     this connection stops answering pings; the echo as usual
  stats    answer "MESSAGE sip:stats SIP/2.0" whose body counts what was seen:
           connections=N pings=N pongs=N udp_keepalives=N sni=NAME
Pings (CRLFCRLF) are answered with a pong (CRLF), pongs are counted.
"""
import argparse
import re
import socket
import ssl
import threading
import time

lock = threading.Lock()
stats = {"connections": 0, "pings": 0, "pongs": 0, "udp_keepalives": 0, "sni": "-"}


def bump(key, value=None):
    with lock:
        if value is None:
            stats[key] += 1
        else:
            stats[key] = value
        return stats[key]


def stats_message():
    with lock:
        body = "connections={connections} pings={pings} pongs={pongs} udp_keepalives={udp_keepalives} sni={sni}".format(**stats)
    return ("MESSAGE sip:stats SIP/2.0\r\nCall-ID: stats\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)).encode()


def test_header(message):
    m = re.search(rb"^X-Test:[ \t]*(\w+)", message, re.M | re.I)
    return m.group(1).decode().lower() if m else "echo"


def with_peer_header(message, transport, connection):
    line_end = message.index(b"\r\n") + 2
    return message[:line_end] + b"X-Peer: %s connection=%d\r\n" % (transport.encode(), connection) + message[line_end:]


def big_message():
    body = b"b" * 9000
    return b"MESSAGE sip:big SIP/2.0\r\nCall-ID: big\r\nContent-Length: 9000\r\n\r\n" + body


def frame(buf):
    """(kind, item, rest): kind is ping, pong, message or None (need more)."""
    if buf.startswith(b"\r\n\r\n"):
        return "ping", b"", buf[4:]
    if buf == b"\r\n\r":
        return None, b"", buf
    if buf.startswith(b"\r\n"):
        return "pong", b"", buf[2:]
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None, b"", buf
    head = buf[: end + 4]
    m = re.search(rb"^(?:Content-Length|l)[ \t]*:[ \t]*(\d+)", head, re.M | re.I)
    length = int(m.group(1)) if m else 0
    if len(buf) < end + 4 + length:
        return None, b"", buf
    return "message", buf[: end + 4 + length], buf[end + 4 + length:]


def serve_stream(conn, transport):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    number = 0
    muted = False
    buf = b""
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            if number == 0:
                number = bump("connections")
            buf += data
            while True:
                kind, message, buf = frame(buf)
                if kind is None:
                    break
                if kind == "ping":
                    bump("pings")
                    if not muted:
                        conn.sendall(b"\r\n")
                    continue
                if kind == "pong":
                    bump("pongs")
                    continue
                what = test_header(message)
                echo = with_peer_header(message, transport, number)
                if what == "close":
                    return
                if what == "stats":
                    conn.sendall(stats_message())
                elif what == "split":
                    for i in range(0, len(echo), 5):
                        conn.sendall(echo[i:i + 5])
                        time.sleep(0.002)
                elif what == "two":
                    conn.sendall(echo + b"\r\n\r\n" + echo)
                elif what == "big":
                    conn.sendall(big_message() + echo)
                elif what == "garbage":
                    conn.sendall(b"MESSAGE sip:garbage SIP/2.0\r\nCall-ID: g\r\n\r\nno length here")
                else:
                    if what == "mute":
                        muted = True
                    conn.sendall(echo)
    except (OSError, ssl.SSLError):
        return
    finally:
        try:
            conn.close()
        except OSError:
            pass


def accept_loop(listener, transport, context=None):
    while True:
        conn, _ = listener.accept()
        if context is not None:
            try:
                conn.settimeout(10)
                conn = context.wrap_socket(conn, server_side=True)
                conn.settimeout(None)
            except (OSError, ssl.SSLError):
                conn.close()
                continue
        threading.Thread(target=serve_stream, args=(conn, transport), daemon=True).start()


def udp_loop(sock):
    while True:
        data, addr = sock.recvfrom(65536)
        if data.strip(b"\r\n") == b"":
            bump("udp_keepalives")
            continue
        what = test_header(data)
        if what == "stats":
            sock.sendto(stats_message(), addr)
        elif what == "big":
            sock.sendto(big_message(), addr)
            sock.sendto(with_peer_header(data, "udp", 0), addr)
        elif what != "close":
            sock.sendto(with_peer_header(data, "udp", 0), addr)


def listener(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    return s


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--udp", type=int)
    p.add_argument("--tcp", type=int)
    p.add_argument("--tls", type=int)
    p.add_argument("--cert")
    p.add_argument("--key")
    a = p.parse_args()
    threads = []
    if a.udp:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", a.udp))
        threads.append(threading.Thread(target=udp_loop, args=(u,), daemon=True))
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)

        def on_sni(sslobj, name, _ctx):
            bump("sni", name or "-")

        ctx.sni_callback = on_sni
        threads.append(threading.Thread(target=accept_loop, args=(listener(a.tls), "tls", ctx), daemon=True))
    if a.tcp:
        threads.append(threading.Thread(target=accept_loop, args=(listener(a.tcp), "tcp"), daemon=True))
    for t in threads:
        t.start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
