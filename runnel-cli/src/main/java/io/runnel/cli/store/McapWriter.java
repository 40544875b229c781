package io.runnel.cli.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * A streaming writer of MCAP files (<a href="https://mcap.dev/spec">mcap.dev/spec</a>, magic {@code
 * \x89MCAP0\r\n}): header, a data section of chunks (uncompressed, CRC32 of their records), each
 * followed by its message indexes, the data end (CRC32 of the data section), and a summary section
 * (schemas, channels, statistics, chunk indexes) with summary offsets and the footer's summary
 * CRC32, so that readers can seek by time without reading the whole file.
 *
 * <p>Memory is bounded by one chunk ({@code chunkBytes}, plus its message indexes) and the summary
 * kept for the end: schemas, channels, one chunk index per chunk (about 80 bytes each, 10 per
 * channel in it) and per-channel message counts. Messages are streamed to {@code out} chunk by
 * chunk.
 *
 * <p>Every integer is little-endian; strings are a {@code uint32} byte length and UTF-8; schema and
 * channel ids start at 1 (schema id 0 means "no schema").
 */
final class McapWriter implements AutoCloseable {
  private static final byte[] MAGIC = {(byte) 0x89, 'M', 'C', 'A', 'P', '0', '\r', '\n'};
  private static final int OP_HEADER = 0x01;
  private static final int OP_FOOTER = 0x02;
  private static final int OP_SCHEMA = 0x03;
  private static final int OP_CHANNEL = 0x04;
  private static final int OP_MESSAGE = 0x05;
  private static final int OP_CHUNK = 0x06;
  private static final int OP_MESSAGE_INDEX = 0x07;
  private static final int OP_CHUNK_INDEX = 0x08;
  private static final int OP_STATISTICS = 0x0B;
  private static final int OP_SUMMARY_OFFSET = 0x0E;
  private static final int OP_DATA_END = 0x0F;

  private record Schema(int id, String name, String encoding, byte[] data) {}

  private record Channel(
      int id, int schemaId, String topic, String encoding, Map<String, String> metadata) {}

  private record ChunkIndex(
      long start,
      long end,
      long offset,
      long length,
      Map<Integer, Long> indexOffsets,
      long indexLength,
      long size) {}

  /** (log time, offset) pairs of one channel in the current chunk. */
  private static final class Index {
    long[] pairs = new long[64];
    int n;

    void add(long time, long offset) {
      if (2 * n + 2 > pairs.length) {
        pairs = Arrays.copyOf(pairs, pairs.length * 2);
      }
      pairs[2 * n] = time;
      pairs[2 * n + 1] = offset;
      n++;
    }

    /** Sorted by log time (then offset), as readers expect. */
    void sort() {
      boolean sorted = true;
      for (int i = 1; i < n && sorted; i++) {
        sorted = pairs[2 * i] >= pairs[2 * i - 2];
      }
      if (sorted) {
        return;
      }
      Long[] order = new Long[n];
      for (int i = 0; i < n; i++) {
        order[i] = (long) i;
      }
      long[] p = pairs;
      Arrays.sort(
          order,
          (a, b) -> {
            int c = Long.compare(p[2 * (int) (long) a], p[2 * (int) (long) b]);
            return c != 0 ? c : Long.compare(p[2 * (int) (long) a + 1], p[2 * (int) (long) b + 1]);
          });
      long[] out = new long[pairs.length];
      for (int i = 0; i < n; i++) {
        int k = (int) (long) order[i];
        out[2 * i] = p[2 * k];
        out[2 * i + 1] = p[2 * k + 1];
      }
      pairs = out;
    }
  }

  private final OutputStream out;
  private final int chunkBytes;
  private final CRC32 dataCrc = new CRC32();
  private long position;
  private final List<Schema> schemas = new ArrayList<>();
  private final List<Channel> channels = new ArrayList<>();
  private final boolean[] inFile = new boolean[65536]; // schema/channel written to the data yet
  private final boolean[] channelInFile = new boolean[65536];
  private final List<ChunkIndex> chunkIndexes = new ArrayList<>();
  private final Map<Integer, Long> channelCounts = new TreeMap<>();
  private long messages;
  private long firstTime = Long.MAX_VALUE;
  private long lastTime = Long.MIN_VALUE;

  // the current chunk
  private final Buf chunk;
  private final Map<Integer, Index> chunkIndex = new LinkedHashMap<>();
  private long chunkStart = Long.MAX_VALUE;
  private long chunkEnd = Long.MIN_VALUE;
  private int chunkMessages;
  private boolean finished;

  /**
   * Writes the magic and the header.
   *
   * @param library the writing library, e.g. {@code runnel 0.1.0}
   * @param chunkBytes the size after which a chunk is closed (a single larger message makes one
   *     larger chunk)
   */
  McapWriter(OutputStream out, String library, int chunkBytes) throws IOException {
    this.out = out;
    this.chunkBytes = chunkBytes;
    this.chunk = new Buf(Math.min(chunkBytes + 4096, 1 << 20));
    Buf b = new Buf(64);
    b.bytes(MAGIC);
    Buf h = new Buf(64).string("").string(library);
    record(b, OP_HEADER, h);
    emit(b, true);
  }

  /** Registers a schema; its record goes into the file before the first message that needs it. */
  int schema(String name, String encoding, byte[] data) {
    if (schemas.size() >= 65535) {
      throw new IllegalStateException("an MCAP file holds at most 65535 schemas");
    }
    Schema s = new Schema(schemas.size() + 1, name, encoding, data.clone());
    schemas.add(s);
    return s.id();
  }

  /** Registers a channel of messages on {@code topic}. */
  int channel(int schemaId, String topic, String encoding, Map<String, String> metadata) {
    if (channels.size() >= 65535) {
      throw new IllegalStateException("an MCAP file holds at most 65535 channels");
    }
    Channel c = new Channel(channels.size() + 1, schemaId, topic, encoding, Map.copyOf(metadata));
    channels.add(c);
    return c.id();
  }

  /** Adds a message; a full chunk is written out. */
  void message(int channelId, long sequence, long logTime, long publishTime, byte[] data)
      throws IOException {
    Channel c = channels.get(channelId - 1);
    if (!channelInFile[channelId]) {
      if (c.schemaId() != 0 && !inFile[c.schemaId()]) {
        schemaRecord(chunk, schemas.get(c.schemaId() - 1));
        inFile[c.schemaId()] = true;
      }
      channelRecord(chunk, c);
      channelInFile[channelId] = true;
    }
    long offset = chunk.size();
    chunk.u8(OP_MESSAGE).u64(2 + 4 + 8 + 8 + data.length);
    chunk.u16(channelId).u32(sequence).u64(logTime).u64(publishTime).bytes(data);
    chunkIndex.computeIfAbsent(channelId, k -> new Index()).add(logTime, offset);
    chunkStart = Math.min(chunkStart, logTime);
    chunkEnd = Math.max(chunkEnd, logTime);
    chunkMessages++;
    messages++;
    firstTime = Math.min(firstTime, logTime);
    lastTime = Math.max(lastTime, logTime);
    channelCounts.merge(channelId, 1L, Long::sum);
    if (chunk.size() >= chunkBytes) {
      flushChunk();
    }
  }

  long messages() {
    return messages;
  }

  int chunks() {
    return chunkIndexes.size() + (chunkMessages > 0 ? 1 : 0);
  }

  long position() {
    return position;
  }

  private void flushChunk() throws IOException {
    if (chunkMessages == 0) {
      return;
    }
    CRC32 crc = new CRC32();
    crc.update(chunk.array(), 0, chunk.size());
    long chunkOffset = position;
    Buf head = new Buf(64);
    long contentLength = 8 + 8 + 8 + 4 + 4 + 8 + (long) chunk.size();
    head.u8(OP_CHUNK).u64(contentLength);
    head.u64(chunkStart).u64(chunkEnd).u64(chunk.size()).u32(crc.getValue()).string("");
    head.u64(chunk.size());
    emit(head, true);
    dataCrc.update(chunk.array(), 0, chunk.size());
    out.write(chunk.array(), 0, chunk.size());
    position += chunk.size();
    long chunkLength = position - chunkOffset;

    Map<Integer, Long> offsets = new LinkedHashMap<>();
    long indexStart = position;
    Buf idx = new Buf(16 * chunkMessages + 32 * chunkIndex.size());
    for (Map.Entry<Integer, Index> e : chunkIndex.entrySet()) {
      offsets.put(e.getKey(), indexStart + idx.size());
      Index ix = e.getValue();
      ix.sort();
      idx.u8(OP_MESSAGE_INDEX).u64(2 + 4 + 16L * ix.n);
      idx.u16(e.getKey()).u32(16L * ix.n);
      for (int i = 0; i < ix.n; i++) {
        idx.u64(ix.pairs[2 * i]).u64(ix.pairs[2 * i + 1]);
      }
    }
    emit(idx, true);
    chunkIndexes.add(
        new ChunkIndex(
            chunkStart,
            chunkEnd,
            chunkOffset,
            chunkLength,
            offsets,
            position - indexStart,
            chunk.size()));
    chunk.reset();
    chunkIndex.clear();
    chunkStart = Long.MAX_VALUE;
    chunkEnd = Long.MIN_VALUE;
    chunkMessages = 0;
  }

  /** Writes the last chunk, the data end, the summary, the summary offsets and the footer. */
  void finish() throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    flushChunk();
    Buf end = new Buf(16);
    end.u8(OP_DATA_END).u64(4).u32(dataCrc.getValue());
    emit(end, false);

    long summaryStart = position;
    CRC32 summaryCrc = new CRC32();
    List<long[]> groups = new ArrayList<>(); // opcode, start, length
    Buf s = new Buf(4096);
    long start = position;
    for (Schema sc : schemas) {
      schemaRecord(s, sc);
    }
    group(groups, OP_SCHEMA, start, s.size());
    start = position + s.size();
    int mark = s.size();
    for (Channel c : channels) {
      channelRecord(s, c);
    }
    group(groups, OP_CHANNEL, start, s.size() - mark);
    start = position + s.size();
    mark = s.size();
    Buf st = new Buf(64 + 10 * channelCounts.size());
    st.u64(messages).u16(schemas.size()).u32(channels.size()).u32(0).u32(0);
    st.u32(chunkIndexes.size());
    st.u64(messages == 0 ? 0 : firstTime).u64(messages == 0 ? 0 : lastTime);
    st.u32(10L * channelCounts.size());
    channelCounts.forEach((id, n) -> st.u16(id).u64(n));
    record(s, OP_STATISTICS, st);
    group(groups, OP_STATISTICS, start, s.size() - mark);
    summaryCrc.update(s.array(), 0, s.size());
    emit(s, false);

    // chunk indexes, streamed in pieces (one per chunk)
    start = position;
    Buf ci = new Buf(256);
    for (ChunkIndex c : chunkIndexes) {
      ci.reset();
      Buf body = new Buf(128);
      body.u64(c.start()).u64(c.end()).u64(c.offset()).u64(c.length());
      body.u32(10L * c.indexOffsets().size());
      c.indexOffsets().forEach((id, off) -> body.u16(id).u64(off));
      body.u64(c.indexLength()).string("").u64(c.size()).u64(c.size());
      record(ci, OP_CHUNK_INDEX, body);
      summaryCrc.update(ci.array(), 0, ci.size());
      emit(ci, false);
    }
    group(groups, OP_CHUNK_INDEX, start, position - start);

    long summaryOffsetStart = position;
    Buf so = new Buf(32 * groups.size());
    for (long[] g : groups) {
      so.u8(OP_SUMMARY_OFFSET).u64(1 + 8 + 8).u8((int) g[0]).u64(g[1]).u64(g[2]);
    }
    summaryCrc.update(so.array(), 0, so.size());
    emit(so, false);

    Buf footer = new Buf(32);
    footer.u8(OP_FOOTER).u64(8 + 8 + 4).u64(summaryStart).u64(summaryOffsetStart);
    summaryCrc.update(footer.array(), 0, footer.size());
    footer.u32(summaryCrc.getValue());
    footer.bytes(MAGIC);
    emit(footer, false);
    out.flush();
  }

  private static void group(List<long[]> groups, int opcode, long start, long length) {
    if (length > 0) {
      groups.add(new long[] {opcode, start, length});
    }
  }

  private static void schemaRecord(Buf b, Schema s) {
    Buf body = new Buf(64 + s.data().length);
    body.u16(s.id()).string(s.name()).string(s.encoding()).u32(s.data().length).bytes(s.data());
    record(b, OP_SCHEMA, body);
  }

  private static void channelRecord(Buf b, Channel c) {
    Buf meta = new Buf(64);
    new TreeMap<>(c.metadata()).forEach((k, v) -> meta.string(k).string(v));
    Buf body = new Buf(64 + meta.size());
    body.u16(c.id()).u16(c.schemaId()).string(c.topic()).string(c.encoding());
    body.u32(meta.size()).bytes(meta.array(), meta.size());
    record(b, OP_CHANNEL, body);
  }

  private static void record(Buf b, int opcode, Buf body) {
    b.u8(opcode).u64(body.size()).bytes(body.array(), body.size());
  }

  private void emit(Buf b, boolean dataSection) throws IOException {
    if (dataSection) {
      dataCrc.update(b.array(), 0, b.size());
    }
    out.write(b.array(), 0, b.size());
    position += b.size();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  /** A growable little-endian byte buffer. */
  static final class Buf {
    private byte[] a;
    private int n;

    Buf(int capacity) {
      a = new byte[Math.max(16, capacity)];
    }

    int size() {
      return n;
    }

    byte[] array() {
      return a;
    }

    void reset() {
      n = 0;
    }

    private void room(int k) {
      if (n + k > a.length) {
        a = Arrays.copyOf(a, Math.max(a.length * 2, n + k));
      }
    }

    Buf u8(int v) {
      room(1);
      a[n++] = (byte) v;
      return this;
    }

    Buf u16(int v) {
      room(2);
      a[n++] = (byte) v;
      a[n++] = (byte) (v >>> 8);
      return this;
    }

    Buf u32(long v) {
      room(4);
      for (int i = 0; i < 4; i++) {
        a[n++] = (byte) (v >>> (8 * i));
      }
      return this;
    }

    Buf u64(long v) {
      room(8);
      for (int i = 0; i < 8; i++) {
        a[n++] = (byte) (v >>> (8 * i));
      }
      return this;
    }

    Buf bytes(byte[] b) {
      return bytes(b, b.length);
    }

    Buf bytes(byte[] b, int len) {
      room(len);
      System.arraycopy(b, 0, a, n, len);
      n += len;
      return this;
    }

    Buf string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      u32(b.length);
      return bytes(b);
    }
  }
}
