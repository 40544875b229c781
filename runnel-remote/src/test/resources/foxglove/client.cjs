// A Foxglove client for FoxgloveProtocolTest: the protocol's reference client (@foxglove/ws-protocol)
// over the `ws` package, both from the npm registry. It prints one JSON object per line of what it saw;
// the Java test checks them. Usage: node client.cjs <npm-prefix> <mode> <url> [token]
"use strict";
const path = require("node:path");
const { createRequire } = require("node:module");
const [prefix, mode, url, token] = process.argv.slice(2);
const req = createRequire(path.join(prefix, "noop.js"));
const { FoxgloveClient } = req("@foxglove/ws-protocol");
const WebSocket = req("ws");

// The rules Foxglove and Lichtblick apply when they turn a JSON Schema into message fields
// (parseJsonSchema in their mcap-support package): the root and every nested object has
// "type": "object" and "properties"; every field has exactly one "type" among boolean, string
// (contentEncoding none or base64), number, integer, object, array (items of one of those types).
// Returns null when the schema passes, else why not.
function foxgloveFieldProblem(schema, path) {
  if (schema.type !== "object") return path + ": type is " + JSON.stringify(schema.type) + ", not \"object\"";
  for (const [name, f] of Object.entries(schema.properties ?? {})) {
    const p = path + "." + name;
    switch (f.type) {
      case "boolean": case "number": case "integer": break;
      case "string":
        if (f.contentEncoding !== undefined && f.contentEncoding !== "base64") return p + ": contentEncoding " + f.contentEncoding;
        break;
      case "object": { const r = foxgloveFieldProblem(f, p); if (r) return r; break; }
      case "array": {
        const it = f.items ?? {};
        if (it.type === "object") { const r = foxgloveFieldProblem(it, p + "[]"); if (r) return r; }
        else if (!["boolean", "string", "number", "integer"].includes(it.type) || (it.type === "string" && it.contentEncoding !== undefined))
          return p + "[]: item type " + JSON.stringify(it.type);
        break;
      }
      default: return p + ": type " + JSON.stringify(f.type);
    }
  }
  return null;
}

const out = (o) => process.stdout.write(JSON.stringify(o, (k, v) => (typeof v === "bigint" ? v.toString() : v)) + "\n");
const fail = (m) => { out({ event: "error", message: String(m) }); process.exit(2); };
setTimeout(() => fail("timed out in mode " + mode), 30000).unref();

function open(opts) {
  // FOXGLOVE_CA: a PEM certificate to trust (wss:// with a self-signed test certificate)
  if (process.env.FOXGLOVE_CA) opts = { ...opts, ca: require("node:fs").readFileSync(process.env.FOXGLOVE_CA) };
  const ws = new WebSocket(url, [FoxgloveClient.SUPPORTED_SUBPROTOCOL], opts);
  ws.on("unexpected-response", (_req, res) => {
    let body = "";
    res.on("data", (d) => (body += d));
    res.on("end", () => { out({ event: "refused", status: res.statusCode, body }); process.exit(0); });
  });
  return ws;
}
const bearer = token ? { headers: { Authorization: "Bearer " + token } } : {};
const dec = new TextDecoder();
const enc = new TextEncoder();

if (mode === "refused") {
  // expects the upgrade to be refused; `token` (if any) goes in the URL or header per url
  const ws = open(url.includes("token=") ? {} : bearer);
  ws.on("open", () => fail("the upgrade was accepted; protocol=" + ws.protocol));
  ws.on("error", (e) => { if (!String(e).includes("Unexpected server response")) fail(e); });
} else if (mode === "plain") {
  // no subprotocol offered
  const ws = new WebSocket(url, bearer);
  ws.on("unexpected-response", (_q, res) => { out({ event: "refused", status: res.statusCode }); process.exit(0); });
  ws.on("open", () => fail("accepted without the subprotocol"));
  ws.on("error", () => {});
} else {
  const ws = open(url.includes("token=") ? {} : bearer);
  const client = new FoxgloveClient({ ws });
  const channels = new Map(); // id -> channel
  const services = new Map(); // name -> service
  const subs = new Map(); // subscription id -> topic
  const ticks = [];
  let tickSub = -1;
  let tickSub2 = -1;
  let secondSeen = 0;
  let firstAfterSecond = 0;
  let setpointSub = -1;
  let phase = "start";
  let tick_channel_id = -1;
  let callId = 1;
  client.on("error", (e) => fail(e));
  client.on("close", (e) => { out({ event: "closed", code: e.code, reason: String(e.reason) }); process.exit(0); });
  client.on("status", (s) => out({ event: "status", level: s.level, message: s.message }));
  client.on("serverInfo", (i) => out({ event: "serverInfo", protocol: ws.protocol, info: i }));
  client.on("unadvertise", (ids) => out({ event: "unadvertise", channelIds: ids }));
  client.on("advertiseServices", (list) => {
    for (const s of list) services.set(s.name, s);
    out({ event: "services", services: list.map((s) => ({ id: s.id, name: s.name, type: s.type,
      request: s.request, requestSchema: JSON.parse(s.request.schema), responseSchema: JSON.parse(s.response.schema) })) });
  });
  client.on("advertise", (list) => {
    for (const c of list) channels.set(c.id, c);
    out({ event: "advertise", channels: list.map((c) => ({ id: c.id, topic: c.topic, encoding: c.encoding,
      schemaName: c.schemaName, schemaEncoding: c.schemaEncoding, schema: JSON.parse(c.schema),
      foxgloveProblem: foxgloveFieldProblem(JSON.parse(c.schema), c.topic) })) });
    if (mode === "schemas") { client.close(); return; }
    if (mode === "follow") {
      // records added at run time: subscribe to each new station, print what arrives
      for (const c of list) if (c.topic.startsWith("demo.station")) subs.set(client.subscribe(c.id), c.topic);
      return;
    }
    if (mode === "flood") {
      // more messages than requestsPerSecond allows: the excess is refused in status messages
      let limited = 0;
      client.on("status", (st) => {
        if (st.message.startsWith("rate_limited:")) limited++;
        if (st.message.startsWith("unknown_method:")) { out({ event: "flood", limited }); client.close(); }
      });
      for (let i = 0; i < 60; i++) ws.send(JSON.stringify({ op: "unsubscribe", subscriptionIds: [] }));
      // after a second the bucket has tokens again: this one is answered (an unsupported op)
      setTimeout(() => ws.send(JSON.stringify({ op: "getParameters", parameterNames: [] })), 1100);
      return;
    }
    const byTopic = (t) => list.find((c) => c.topic === t);
    if (mode === "read") {
      // a read token: no services; a call to service 1 must fail
      setTimeout(() => client.sendServiceCallRequest({ serviceId: 1, callId: 7, encoding: "json",
        data: enc.encode(JSON.stringify({ celsius: 1, mode: "x" })) }), 200);
      return;
    }
    const tick = byTopic("demo.tick");
    tick_channel_id = tick.id;
    const id = client.subscribe(tick.id);
    tickSub = id;
    subs.set(id, "demo.tick");
    if (mode === "end") { out({ event: "subscribed" }); return; }
    setpointSub = client.subscribe(byTopic("demo.setpoint").id);
    subs.set(setpointSub, "demo.setpoint");
    phase = "ticks";
  });
  client.on("serviceCallFailure", (f) => {
    out({ event: "callFailure", serviceId: f.serviceId, callId: f.callId, message: f.message });
    if (mode === "read") { client.close(); return; }
    if (phase === "bad") {
      // client publishing: the same record through an advertised client channel
      phase = "publish";
      const ch = client.advertise({ topic: "demo.setpoint", encoding: "json", schemaName: "Setpoint" });
      client.sendMessage(ch, enc.encode(JSON.stringify({ celsius: 19.25, mode: "idle" })));
    }
  });
  client.on("serviceCallResponse", (r) => {
    out({ event: "callResponse", serviceId: r.serviceId, callId: r.callId, encoding: r.encoding,
      value: JSON.parse(dec.decode(r.data)) });
  });
  if (mode === "follow") {
    client.on("message", (m) => {
      if (subs.has(m.subscriptionId)) out({ event: "message", topic: subs.get(m.subscriptionId), value: JSON.parse(dec.decode(m.data)) });
    });
  }
  client.on("message", (m) => {
    const topic = subs.get(m.subscriptionId);
    if (topic === undefined) fail("message on unknown subscription " + m.subscriptionId);
    const value = JSON.parse(dec.decode(m.data));
    if (topic === "demo.tick") {
      // after unsubscribe + a new subscription: once the new one delivered, the old one is silent
      if (m.subscriptionId === tickSub2) secondSeen++;
      else if (secondSeen > 0) firstAfterSecond++;
      if (phase !== "ticks") return;
      ticks.push({ value, logTime: m.timestamp });
      if (ticks.length === 50) {
        out({ event: "ticks", ticks });
        client.unsubscribe(tickSub);
        tickSub2 = client.subscribe(tick_channel_id);
        subs.set(tickSub2, "demo.tick");
        phase = "set";
        const s = services.get("demo.setpoint/set");
        client.sendServiceCallRequest({ serviceId: s.id, callId: callId++, encoding: "json",
          data: enc.encode(JSON.stringify({ celsius: 21.5, mode: "heat" })) });
      }
    } else if (topic === "demo.setpoint") {
      out({ event: "setpoint", value, logTime: m.timestamp });
      if (phase === "set") {
        phase = "bad";
        const s = services.get("demo.setpoint/set");
        client.sendServiceCallRequest({ serviceId: s.id, callId: callId++, encoding: "json",
          data: enc.encode(JSON.stringify({ celsius: "warm", mode: "heat" })) });
      } else if (phase === "publish") {
        out({ event: "done", secondSeen, firstAfterSecond });
        client.close();
      }
    }
  });
}
