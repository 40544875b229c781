package io.runnel.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.store.HistoryStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/** Shared test parts: a record type, keys, and the receiver's side of the protocol. */
final class Fixture {
  static final RecordKey TEMP = RecordKey.of("sensor.temp.indoor");
  static final RecordKey HUMIDITY = RecordKey.of("sensor.humidity");
  static final RecordKey RAW = RecordKey.of("raw.frame");

  record Reading(String sensor, double celsius, long n) {}

  static final Codec<Reading> CODEC = Codec.forRecord(Reading.class);
  static final ObjectMapper JSON = new ObjectMapper();

  private Fixture() {}

  /** Appends {@code n} readings of {@code key} and waits until they are durable; the last seq. */
  static long append(HistoryStore store, RecordKey key, int n) throws InterruptedException {
    long last = -1;
    for (int i = 0; i < n; i++) {
      last = store.append(key, new Reading(key.id(), 20 + i % 10, i), CODEC);
    }
    assertThat(store.awaitDurable(last, Duration.ofSeconds(10))).isTrue();
    return last;
  }

  static JsonNode parse(byte[] body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Long> sequences(byte[] body) {
    List<Long> seqs = new ArrayList<>();
    for (JsonNode e : parse(body).get("entries")) {
      seqs.add(e.get("sequence").asLong());
    }
    return seqs;
  }

  /**
   * What a receiver that de-duplicates by idempotency key keeps: sequence -> how often it was kept.
   * Also checks that every body sent under one key is byte for byte the same.
   */
  static Map<Long, Integer> keptAfterDedup(List<FaultyServer.Request> received) {
    Map<String, byte[]> byKey = new LinkedHashMap<>();
    for (FaultyServer.Request r : received) {
      byte[] prev = byKey.putIfAbsent(r.idempotencyKey(), r.body());
      if (prev != null) {
        assertThat(Arrays.equals(prev, r.body()))
            .as("bodies sent under idempotency key %s are identical", r.idempotencyKey())
            .isTrue();
      }
    }
    Map<Long, Integer> kept = new TreeMap<>();
    for (byte[] body : byKey.values()) {
      for (long s : sequences(body)) {
        kept.merge(s, 1, Integer::sum);
      }
    }
    return kept;
  }

  /** Polls {@code condition} every 10 ms for at most {@code timeout}. */
  static boolean eventually(Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(10);
    }
    return condition.getAsBoolean();
  }
}
