package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cli.remote.Endpoint;
import io.runnel.cli.remote.RemoteClient;
import io.runnel.cli.remote.Tokens;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A server that is full says so, on both transports, in one line with exit code 3. */
@Timeout(60)
class ConnectionLimitTest {

  @Test
  void aFullServerIsReportedInOneLine(@TempDir Path dir) throws Exception {
    try (ServedPipeline p = new ServedPipeline(dir, b -> b.maxConnections(1));
        RemoteClient holder =
            RemoteClient.connect(
                Endpoint.webSocket(URI.create(p.url)),
                Tokens.pick(Tokens.read(p.tokenFile), false).orElseThrow(),
                "holder",
                Duration.ofSeconds(5))) {
      assertThat(holder.hello().path("role").asText()).isEqualTo("read");

      CliRun ws = CliRun.of("ls", "--url", p.url, "--token-file", p.tokenFile.toString());
      assertThat(ws.code()).as(ws.toString()).isEqualTo(3);
      assertThat(ws.err().lines()).hasSize(1);
      assertThat(ws.err()).contains("refuses more connections");

      CliRun unix =
          CliRun.of("ls", "--socket", p.socket.toString(), "--token-file", p.tokenFile.toString());
      assertThat(unix.code()).as(unix.toString()).isEqualTo(3);
      assertThat(unix.err().lines()).hasSize(1);
      assertThat(unix.err()).containsIgnoringCase("connections");
    }
  }
}
