package io.runnel.kafka;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The headers the link puts on every message it sends, and how a consumer reads them. Values are
 * UTF-8 text, readable with any Kafka tool ({@code kcat -f '%h'}, {@code kafka-console-consumer
 * --property print.headers=true}).
 *
 * <table>
 *   <caption>Headers</caption>
 *   <tr><th>header</th><th>value</th><th>on</th></tr>
 *   <tr><td>{@value #NODE}</td><td>the link's node id</td><td>every message</td></tr>
 *   <tr><td>{@value #RECORD}</td><td>the record key id, e.g. {@code sensor.indoor}</td>
 *       <td>every message</td></tr>
 *   <tr><td>{@value #SEQUENCE}</td><td>the value's sequence in the node's history store, decimal
 *       </td><td>messages from history only</td></tr>
 *   <tr><td>{@value #SCHEMA}</td><td>the codec id (for derived codecs the schema fingerprint,
 *       {@code io.runnel.codec.Fingerprint}), 16 hex digits</td><td>every message</td></tr>
 *   <tr><td>{@value #VERSION}</td><td>the version of the payload's type, decimal</td>
 *       <td>values of a versioned codec (live: the codec's version; history: the version the
 *       store recorded for the entry's schema)</td></tr>
 * </table>
 *
 * <p>A consumer that removes duplicates keeps, per {@code (node, sequence)}, the first message it
 * sees (or per node the highest sequence it has processed, since one key's messages from one node
 * arrive in order within their partition): then every persisted value arrives exactly once.
 */
public final class KafkaHeaders {

  /** The node id of the link that sent the message. */
  public static final String NODE = "runnel-node";

  /** The record key id. */
  public static final String RECORD = "runnel-record";

  /** The store sequence of a value sent from history (absent on live values). */
  public static final String SEQUENCE = "runnel-seq";

  /** The codec id (schema fingerprint) the payload is encoded with, 16 hex digits. */
  public static final String SCHEMA = "runnel-schema";

  /**
   * The version number of the payload's type, decimal, when it was written by a versioned codec
   * ({@code io.runnel.codec.Versions}); absent otherwise.
   */
  public static final String VERSION = "runnel-version";

  /** The {@value #VERSION} header, or 0 if absent or malformed. */
  public static int version(Headers headers) {
    String s = text(headers, VERSION);
    if (s == null) {
      return 0;
    }
    try {
      int v = Integer.parseInt(s);
      return v < 0 || v > 65535 ? 0 : v;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private KafkaHeaders() {}

  /** The text of the last header {@code name}, or {@code null} if absent. */
  public static String text(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** The {@value #NODE} header, or {@code null} if absent. */
  public static String node(Headers headers) {
    return text(headers, NODE);
  }

  /** The {@value #SEQUENCE} header; empty if absent (a live value) or not a number. */
  public static OptionalLong sequence(Headers headers) {
    String s = text(headers, SEQUENCE);
    if (s == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(s));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** The {@value #SCHEMA} header as the codec id; empty if absent or malformed. */
  public static OptionalLong schema(Headers headers) {
    String s = text(headers, SCHEMA);
    if (s == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseUnsignedLong(s, 16));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] hex(long codecId) {
    return utf8(String.format("%016x", codecId));
  }

  /** The message key of a value of {@code record} sent by {@code node}: {@code record@node}. */
  static byte[] messageKey(String record, String node) {
    return utf8(record + "@" + node);
  }
}
