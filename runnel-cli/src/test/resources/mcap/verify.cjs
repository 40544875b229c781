// Reads an MCAP file with the independent reader @mcap/core (npm) and prints one JSON object of what
// it found, for StoreExportTest to check against what the store held. Both readers are used: the
// indexed reader (summary, statistics, chunk and message indexes, a time-range seek) and the stream
// reader (every record in file order, chunk CRCs checked). The data section CRC is checked too.
// Usage: node verify.cjs <npm-prefix> <file.mcap> [rangeStartNs rangeEndNs]
"use strict";
const path = require("node:path");
const fs = require("node:fs");
const { createRequire } = require("node:module");
const [prefix, file, rangeStart, rangeEnd] = process.argv.slice(2);
const req = createRequire(path.join(prefix, "noop.js"));
const { McapIndexedReader, McapStreamReader } = req("@mcap/core");
const { crc32 } = req("@foxglove/crc");

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

const dec = new TextDecoder();
const big = (k, v) => (typeof v === "bigint" ? v.toString() : v);

function track(per, topic, logTime, data) {
  let t = per[topic];
  if (!t) t = per[topic] = { count: 0, first: null, last: null, ordered: true, prev: -1n };
  t.count++;
  if (logTime < t.prev) t.ordered = false;
  t.prev = logTime;
  const m = { logTime, value: JSON.parse(dec.decode(data)) };
  if (!t.first) t.first = m;
  t.last = m;
}

async function main() {
  const fh = await fs.promises.open(file, "r");
  const size = BigInt((await fh.stat()).size);
  const readable = {
    size: async () => size,
    read: async (offset, length) => {
      const buf = Buffer.alloc(Number(length));
      const { bytesRead } = await fh.read(buf, 0, Number(length), Number(offset));
      if (bytesRead !== Number(length)) throw new Error("short read");
      return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
    },
  };
  const reader = await McapIndexedReader.Initialize({ readable });
  const out = { indexed: {}, stream: {} };
  out.indexed.header = reader.header;
  out.indexed.schemas = [...reader.schemasById.values()].map((s) => ({
    id: s.id, name: s.name, encoding: s.encoding, schema: JSON.parse(dec.decode(s.data)),
    foxgloveProblem: foxgloveFieldProblem(JSON.parse(dec.decode(s.data)), s.name) }));
  out.indexed.channels = [...reader.channelsById.values()].map((c) => ({
    id: c.id, topic: c.topic, schemaId: c.schemaId, messageEncoding: c.messageEncoding,
    metadata: Object.fromEntries(c.metadata) }));
  const st = reader.statistics;
  out.indexed.statistics = st && { messageCount: st.messageCount, chunkCount: st.chunkCount,
    channelCount: st.channelCount, schemaCount: st.schemaCount,
    messageStartTime: st.messageStartTime, messageEndTime: st.messageEndTime,
    channelMessageCounts: Object.fromEntries(st.channelMessageCounts) };
  out.indexed.chunkIndexes = reader.chunkIndexes.length;
  out.indexed.chunksWithMessageIndexes = reader.chunkIndexes.filter((c) => c.messageIndexOffsets.size > 0).length;
  out.indexed.maxChunkBytes = reader.chunkIndexes.reduce((m, c) => Math.max(m, Number(c.uncompressedSize)), 0);
  out.indexed.summaryOffsets = [...reader.summaryOffsetsByOpcode.keys()];
  const topicOf = (id) => reader.channelsById.get(id).topic;
  const per = {};
  let n = 0;
  for await (const m of reader.readMessages()) {
    n++;
    track(per, topicOf(m.channelId), m.logTime, m.data);
  }
  out.indexed.messages = n;
  out.indexed.topics = per;
  if (rangeStart !== undefined) {
    let r = 0, inRange = true;
    const s = BigInt(rangeStart), e = BigInt(rangeEnd);
    for await (const m of reader.readMessages({ startTime: s, endTime: e })) {
      r++;
      if (m.logTime < s || m.logTime > e) inRange = false;
    }
    out.indexed.range = { count: r, inRange };
  }
  // data section CRC: every byte before the Data End record
  const dataBytes = Buffer.alloc(Number(reader.dataEndOffset));
  await fh.read(dataBytes, 0, dataBytes.length, 0);
  out.indexed.dataSectionCrcOk = reader.dataSectionCrc === undefined ? null
    : crc32(new Uint8Array(dataBytes.buffer, dataBytes.byteOffset, dataBytes.length)) === reader.dataSectionCrc;
  await fh.close();

  // the stream reader: all records in order, chunk CRCs validated
  const stream = new McapStreamReader({ validateCrcs: true });
  const chans = new Map();
  const sper = {};
  const ops = {};
  let sn = 0;
  const fd = fs.openSync(file, "r");
  const piece = Buffer.alloc(1 << 20);
  for (;;) {
    const k = fs.readSync(fd, piece, 0, piece.length, null);
    if (k === 0) break;
    stream.append(new Uint8Array(piece.buffer.slice(piece.byteOffset, piece.byteOffset + k)));
    for (let rec; (rec = stream.nextRecord()); ) {
      ops[rec.type] = (ops[rec.type] ?? 0) + 1;
      if (rec.type === "Channel") chans.set(rec.id, rec.topic);
      else if (rec.type === "Message") { sn++; track(sper, chans.get(rec.channelId), rec.logTime, rec.data); }
    }
  }
  fs.closeSync(fd);
  out.stream = { done: stream.done(), messages: sn, records: ops, topics: sper };
  process.stdout.write(JSON.stringify(out, big) + "\n");
}
main().catch((e) => { process.stdout.write(JSON.stringify({ error: String(e && e.stack || e) }) + "\n"); process.exit(2); });
