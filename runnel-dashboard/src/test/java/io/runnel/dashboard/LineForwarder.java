package io.runnel.dashboard;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.EndOfStreamException;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Reader;
import io.runnel.spi.Connector;
import io.runnel.spi.ConnectorStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small real connector for the tests: forwards every value of a record as a line over TCP to a
 * loopback port, reconnecting with a backoff. Its status (connected, backlog, retries, last error)
 * is what the dashboard's connectors view shows.
 */
final class LineForwarder implements Connector {
  private final String name;
  private final RecordKey key;
  private final int port;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private volatile boolean connected;
  private volatile String lastError;
  private volatile Reader<Object> reader;
  private volatile boolean closed;
  private Thread thread;

  LineForwarder(String name, RecordKey key, int port) {
    this.name = name;
    this.key = key;
    this.port = port;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void start(Runnel runnel) {
    reader = runnel.subscribe(Object.class, key);
    thread = Thread.ofVirtual().name("line-forwarder-" + name).start(this::run);
  }

  private void run() {
    long backoff = 100;
    while (!closed) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        connected = true;
        backoff = 100;
        OutputStream out = s.getOutputStream();
        while (!closed) {
          Object v;
          try {
            v = reader.recv(Duration.ofMillis(200));
          } catch (LaggedException e) {
            continue;
          }
          if (v != null) {
            out.write((v + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            sent.incrementAndGet();
          }
        }
      } catch (EndOfStreamException e) {
        return;
      } catch (IOException e) {
        lastError = java.time.Instant.now() + " connect 127.0.0.1:" + port + ": " + e.getMessage();
      } catch (InterruptedException e) {
        return;
      } finally {
        connected = false;
      }
      if (closed) {
        return;
      }
      retries.incrementAndGet();
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        return;
      }
      backoff = Math.min(2000, backoff * 2);
    }
  }

  @Override
  public void close() {
    closed = true;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (reader != null) {
      reader.close();
    }
  }

  @Override
  public ConnectorStatus status() {
    return new ConnectorStatus(
        name, "tcp-lines", connected, lastError, 0, retries.get(), 0, Map.of("sent", sent.get()));
  }
}
