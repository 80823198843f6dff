#!/usr/bin/env python3
# interop-client.py: a second Parallax client, written from src/net/PROTOCOL.md alone
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Joins a room, waits for a peer with a given identity, publishes a video and an
# audio stream, sends FRAMES frames on each, and checks the frames the peer
# publishes: the right participant id, a stream the peer announced, increasing
# sequence numbers, a consistent header. Exits 0 on success, 1 with a message on
# failure, 77 when its modules are missing.
#
#   interop-client.py URL ROOM SECRET PEER-IDENTITY [FRAMES]

import asyncio
import json
import struct
import sys
import time

try:
    import jwt
    import websockets
except ImportError as error:
    print(f"interop-client: {error}; install python3-websockets and python3-jwt")
    sys.exit(77)

HEADER = struct.Struct("<BBHIIIqII")
KIND_VIDEO, KIND_AUDIO = 1, 2
FLAG_KEYFRAME = 1
DEADLINE = 60.0


def fail(message):
    print(f"interop-client: FAIL: {message}", flush=True)
    sys.exit(1)


def now_us():
    return time.monotonic_ns() // 1000


def frame(kind, stream, sequence, capture_time, payload, flags=0):
    return HEADER.pack(1, kind, flags, stream, 0, sequence, capture_time, len(payload), 0) + payload


async def main():
    url, room, secret, peer_identity = sys.argv[1:5]
    n_frames = int(sys.argv[5]) if len(sys.argv) > 5 else 10

    token = jwt.encode({"room": room, "sub": "python", "name": "Python client",
                        "exp": int(time.time()) + 600,
                        "grants": {"publish": True, "subscribe": True}},
                       secret, algorithm="HS256")

    async with websockets.connect(f"{url}/v1/rooms/{room}",
                                  subprotocols=["parallax.v1"],
                                  extra_headers={"Authorization": f"Bearer {token}"},
                                  compression=None, max_size=16 * 1024 * 1024) as ws:
        if ws.subprotocol != "parallax.v1":
            fail(f"subprotocol {ws.subprotocol!r}")

        await ws.send(json.dumps({"type": "join"}))
        await ws.send(json.dumps({"type": "ping", "t0": now_us()}))

        roster = {}
        me = None
        offset = 0
        received_bytes = 0
        peer_frames = []
        sent = False
        deadline = time.monotonic() + DEADLINE

        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                fail(f"timed out; roster {roster}, {len(peer_frames)} frames from the peer")
            try:
                message = await asyncio.wait_for(ws.recv(), remaining)
            except asyncio.TimeoutError:
                continue

            if isinstance(message, bytes):
                received_bytes += len(message)
                await ws.send(json.dumps({"type": "ack", "bytes": received_bytes}))
                if len(message) < HEADER.size:
                    fail("short binary frame")
                (version, kind, flags, stream, participant, sequence, capture_time,
                 length, reserved) = HEADER.unpack_from(message)
                if version != 1 or reserved != 0 or length != len(message) - HEADER.size:
                    fail(f"bad header {HEADER.unpack_from(message)} for {len(message)} bytes")
                peer = roster.get(participant)
                if peer is None or peer["identity"] != peer_identity:
                    fail(f"frame from participant {participant}, not {peer_identity}")
                announced = {(s["stream"], s["kind"]) for s in peer.get("streams", [])}
                kind_name = {1: "video", 2: "audio", 3: "depth", 4: "data"}.get(kind)
                if (stream, kind_name) not in announced:
                    fail(f"frame of stream {stream} ({kind_name}) not announced: {announced}")
                if peer_frames and sequence <= peer_frames[-1]:
                    fail(f"sequence went from {peer_frames[-1]} to {sequence}")
                peer_frames.append(sequence)
            else:
                msg = json.loads(message)
                kind = msg.get("type")
                if kind == "welcome":
                    me = msg["participant"]
                    for p in msg["participants"]:
                        roster[p["id"]] = p
                    if msg["resumed"]:
                        fail("a first join cannot be a resume")
                elif kind in ("joined", "updated"):
                    roster[msg["participant"]["id"]] = msg["participant"]
                elif kind == "left":
                    roster.pop(msg["participant"], None)
                elif kind == "pong":
                    t3 = now_us()
                    offset = ((msg["t1"] - msg["t0"]) + (msg["t2"] - t3)) // 2
                elif kind == "error":
                    fail(f"server error {msg}")

            peer_here = any(p["identity"] == peer_identity for p in roster.values())
            if me is not None and peer_here and not sent:
                await ws.send(json.dumps({"type": "publish", "streams": [
                    {"stream": 1, "kind": "video", "label": "camera"},
                    {"stream": 2, "kind": "audio", "label": "microphone"}]}))
                for sequence in range(n_frames):
                    capture = now_us() + offset
                    payload = bytes([sequence % 256]) * (1000 + sequence)
                    # A client may put anything in the participant field; the
                    # server must overwrite it.
                    video = bytearray(frame(KIND_VIDEO, 1, sequence, capture, payload,
                                            FLAG_KEYFRAME if sequence == 0 else 0))
                    struct.pack_into("<I", video, 8, 0xdeadbeef)
                    await ws.send(bytes(video))
                    await ws.send(frame(KIND_AUDIO, 2, sequence, capture, payload[:160]))
                sent = True

            if sent and len(peer_frames) >= n_frames:
                break

        await ws.send(json.dumps({"type": "leave"}))
        try:
            await asyncio.wait_for(ws.wait_closed(), 10)
        except asyncio.TimeoutError:
            fail("the server did not close after leave")
        if ws.close_code != 1000:
            fail(f"close code {ws.close_code} after leave")

    print(f"interop-client: ok, participant {me}, {len(peer_frames)} frames received, "
          f"clock offset {offset} us", flush=True)


asyncio.run(main())
