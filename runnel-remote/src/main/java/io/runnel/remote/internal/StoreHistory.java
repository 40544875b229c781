package io.runnel.remote.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.Runnel;
import io.runnel.codec.Codec;
import io.runnel.store.HistoryStore;
import io.runnel.store.Query;
import io.runnel.store.StoreException;
import io.runnel.store.StoredEntry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@link History} over a {@link HistoryStore}, decoding with one codec per key. */
final class StoreHistory implements History {
  private final HistoryStore store;
  private final Runnel runnel;
  private final Map<String, Codec<?>> configured;
  private final Map<String, Codec<?>> codecs = new ConcurrentHashMap<>();

  StoreHistory(Object store, Runnel runnel, Map<String, Codec<?>> configured) {
    this.store = (HistoryStore) store;
    this.runnel = runnel;
    this.configured = configured;
  }

  @Override
  public boolean persisted(String key) {
    return configured.containsKey(key)
        || runnel.inspect().record(key).map(r -> persisted(key, r.hookCounters())).orElse(false);
  }

  @Override
  public boolean persisted(String key, Map<String, Long> hookCounters) {
    // a Persist hook reports its counters as persist.<counter>
    return configured.containsKey(key)
        || hookCounters.keySet().stream().anyMatch(k -> k.startsWith("persist."));
  }

  @Override
  public List<Entry> page(String key, long fromSeq, long fromMicros, long toMicros, int limit)
      throws RpcException {
    Codec<?> codec = codec(key);
    List<StoredEntry> entries;
    try {
      entries =
          store.query(
              new Query(key, fromMicros, toMicros, Math.max(0, fromSeq), Math.max(1, limit)));
    } catch (IOException | StoreException e) {
      throw new RpcException(
          Reason.INTERNAL, "the history store cannot be read: " + e.getMessage());
    }
    List<Entry> out = new ArrayList<>(entries.size());
    for (StoredEntry e : entries) {
      if (!codec.reads(
          e.codecId())) { // a versioned codec reads (migrates) every version of its chain
        throw new RpcException(
            Reason.INTERNAL,
            "history of '"
                + key
                + "' was written with codec 0x"
                + Long.toHexString(e.codecId())
                + " but the server decodes it with codec 0x"
                + Long.toHexString(codec.id())
                + " ("
                + codec.schema()
                + "): configure the writer's codec with RemoteServer.Builder.codec(key, codec)",
            Map.of("key", key, "storedCodec", Long.toHexString(e.codecId())));
      }
      try {
        out.add(new Entry(e.sequence(), e.timestampMicros(), e.decode(codec), e.writtenVersion()));
      } catch (io.runnel.codec.CodecException ex) {
        throw new RpcException(
            Reason.INTERNAL,
            "entry " + e.sequence() + " of '" + key + "' cannot be decoded: " + ex.getMessage(),
            Map.of("key", key));
      }
    }
    return out;
  }

  @Override
  public long durableSequence() {
    return store.durableSequence();
  }

  @Override
  public boolean awaitDurable(long seq, Duration timeout) throws InterruptedException {
    try {
      return store.awaitDurable(seq, timeout);
    } catch (StoreException e) {
      return false;
    }
  }

  @Override
  public int version(String key) {
    try {
      return codec(key).version();
    } catch (RpcException e) {
      return 0;
    }
  }

  @Override
  public JsonNode stats() {
    com.fasterxml.jackson.databind.node.ObjectNode tree =
        (com.fasterxml.jackson.databind.node.ObjectNode) Json.tree(store.stats());
    tree.set("cursors", Json.tree(store.cursors()));
    return tree;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Codec<?> codec(String key) throws RpcException {
    Codec<?> c = configured.get(key);
    if (c != null) {
      return c;
    }
    Class<?> type = runnel.recordType(key).orElseThrow(() -> RpcException.notFound(key));
    return codecs.computeIfAbsent(
        key,
        k ->
            type.isRecord()
                ? Codec.forRecord((Class<? extends Record>) type)
                : Codec.json((Class) type));
  }
}
