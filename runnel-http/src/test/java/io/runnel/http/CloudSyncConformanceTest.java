package io.runnel.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.runnel.RunnelBuilder;
import io.runnel.codec.Codec;
import io.runnel.spi.Connector;
import io.runnel.spi.kit.ConnectorConformanceKit;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * {@link CloudSync} passes the connector conformance kit: a persisted record forwarded to a JDK
 * HTTP server on loopback (working), or to a loopback port where nothing listens (unreachable).
 */
class CloudSyncConformanceTest extends ConnectorConformanceKit {

  @Override
  protected Harness harness() throws Exception {
    return new SyncHarness();
  }

  private static final class SyncHarness implements Harness {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir = Files.createTempDirectory("runnel-kit-http");
    private final HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build());
    private final Set<Long> received = ConcurrentHashMap.newKeySet();
    private final HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    private final int deadPort;

    SyncHarness() throws IOException {
      server.createContext(
          "/ingest",
          exchange -> {
            try (exchange;
                InputStream in = exchange.getRequestBody()) {
              for (JsonNode e : JSON.readTree(in.readAllBytes()).get("entries")) {
                received.add(e.get("value").get("n").asLong());
              }
              exchange.sendResponseHeaders(204, -1);
            }
          });
      server.start();
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        deadPort = s.getLocalPort(); // closed again: nothing listens there
      }
    }

    private CloudSync.Builder base(URI uri) {
      return CloudSync.builder(store, uri)
          .nodeId("kit")
          .keys(KEY)
          .codec(Codec.forRecord(Sample.class))
          .connectTimeout(Duration.ofMillis(500))
          .requestTimeout(Duration.ofSeconds(2))
          .backoff(Duration.ofMillis(20), Duration.ofMillis(200))
          .closeTimeout(Duration.ofSeconds(2));
    }

    @Override
    public Connector working() {
      return base(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ingest"))
          .build();
    }

    @Override
    public Connector unreachable() {
      return base(URI.create("http://127.0.0.1:" + deadPort + "/ingest")).build();
    }

    @Override
    public void configure(RunnelBuilder builder, Connector connector) {
      builder
          .connector(connector)
          .configure(Sample.class, KEY, r -> r.external().hook(Persist.to(store, Sample.class)));
    }

    @Override
    public Set<Long> received() {
      return received;
    }

    @Override
    public boolean storeAndForward() {
      return true;
    }

    @Override
    public Duration closeBound() {
      return Duration.ofSeconds(2);
    }

    @Override
    public void close() throws IOException {
      server.stop(0);
      store.close();
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
