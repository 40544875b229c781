#!/usr/bin/python3
"""An independent client of the Runnel remote protocol (docs/REMOTE.md), on the Python
`websockets` library: hello, records, watch, set. Prints one line per check, `ok <name> ...` or
`fail <name> ...`, and exits 0 only if every check passed."""

import asyncio
import json
import sys

import websockets


async def main(uri, token):
    failures = 0
    next_id = 0

    async with websockets.connect(uri, max_size=2**20) as ws:
        pending = []  # notifications read while waiting for a response

        async def call(method, params=None):
            nonlocal next_id
            next_id += 1
            msg = {"jsonrpc": "2.0", "id": next_id, "method": method}
            if params is not None:
                msg["params"] = params
            await ws.send(json.dumps(msg))
            while True:
                m = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if m.get("id") == next_id:
                    return m
                pending.append(m)

        def check(name, cond, detail=""):
            nonlocal failures
            print(("ok " if cond else "fail ") + name + (" " + detail if detail else ""), flush=True)
            if not cond:
                failures += 1

        hello = await call("hello", {"protocol": 1, "token": token, "client": "python-websockets"})
        r = hello.get("result", {})
        check("hello", r.get("protocol") == 1 and r.get("role") == "write", json.dumps(r.get("capabilities")))

        records = (await call("records")).get("result", {}).get("records", [])
        keys = sorted(x["key"] for x in records)
        check("records", "demo.tick" in keys and "demo.setpoint" in keys, ",".join(keys))

        w = (await call("watch", {"keys": ["demo.tick"]})).get("result", {})
        sub = w.get("sub")
        values, missed, expected, gaps = 0, 0, None, 0
        while values < 50:
            m = pending.pop(0) if pending else json.loads(await asyncio.wait_for(ws.recv(), 10))
            p = m.get("params", {})
            if m.get("method") == "watch.missed":
                missed += p["count"]
                if expected is not None:
                    expected += p["count"]
            elif m.get("method") == "watch.value":
                n = p["value"]["n"]
                if expected is not None and n != expected:
                    gaps += 1
                expected = n + 1
                values += 1
        check("watch", sub is not None and gaps == 0, "values=%d missed=%d" % (values, missed))

        u = (await call("unwatch", {"sub": sub})).get("result", {})
        check("unwatch", u.get("delivered", 0) >= values, json.dumps(u))

        s = await call("set", {"key": "demo.setpoint", "value": {"celsius": 22.5, "mode": "python"}})
        check("set", s.get("result", {}).get("accepted") is True, json.dumps(s))

        bad = await call("set", {"key": "demo.setpoint", "value": {"celsius": "hot"}})
        reason = bad.get("error", {}).get("data", {}).get("reason")
        check("set-undecodable", reason == "decode_failed", reason or json.dumps(bad))

        g = (await call("get", {"key": "demo.setpoint"})).get("result", {})
        check("get", g.get("value", {}).get("mode") == "python", json.dumps(g))

    return failures


if __name__ == "__main__":
    sys.exit(1 if asyncio.run(main(sys.argv[1], sys.argv[2])) else 0)
