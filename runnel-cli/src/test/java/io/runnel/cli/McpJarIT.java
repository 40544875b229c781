package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MCP server as an agent runs it: the SDK's own client starts {@code java -jar runnel-cli.jar
 * mcp} as a subprocess and talks MCP to it over stdio.
 */
@Timeout(120)
class McpJarIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<McpSyncClient> clients = new ArrayList<>();

  static McpSyncClient start(List<String> mcpArgs) {
    List<String> cmd = JarProcess.command(mcpArgs);
    ServerParameters params =
        ServerParameters.builder(cmd.get(0)).args(cmd.subList(1, cmd.size())).build();
    StdioClientTransport transport =
        new StdioClientTransport(params, new JacksonMcpJsonMapper(new ObjectMapper()));
    McpSyncClient client =
        McpClient.sync(transport)
            .requestTimeout(Duration.ofSeconds(30))
            .initializationTimeout(Duration.ofSeconds(30))
            .build();
    client.initialize();
    return client;
  }

  @AfterEach
  void stop() {
    clients.forEach(McpSyncClient::closeGracefully);
    // the transport destroys its process; make sure no child of this test outlives it
    ProcessHandle.current().children().forEach(ProcessHandle::destroyForcibly);
  }

  static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void listsTheReadOnlyToolsAndReportsAnUnreachablePipelineAsAToolError() throws Exception {
    McpSyncClient c =
        start(List.of("mcp", "--url", "ws://127.0.0.1:" + closedPort() + "/v1", "--timeout", "2s"));
    clients.add(c);
    assertThat(c.getServerInfo().name()).isEqualTo("runnel");
    List<String> names = c.listTools().tools().stream().map(McpSchema.Tool::name).toList();
    assertThat(names).containsExactly("records", "get", "graph", "inspect", "query");

    McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("records", Map.of()));
    assertThat(r.isError()).isTrue();
    String text = ((McpSchema.TextContent) r.content().get(0)).text();
    assertThat(text).contains("cannot connect").contains("connection refused");
  }

  @Test
  void bridgesRecordsGetAndQueryToARunningPipeline(@TempDir Path dir) throws Exception {
    try (ServedPipeline p = new ServedPipeline(dir)) {
      McpSyncClient c =
          start(List.of("mcp", "--url", p.url, "--token-file", p.tokenFile.toString()));
      clients.add(c);

      McpSchema.CallToolResult records =
          c.callTool(new McpSchema.CallToolRequest("records", Map.of()));
      assertThat(records.isError()).as(text(records)).isNotEqualTo(Boolean.TRUE);
      JsonNode r = JSON.readTree(text(records));
      assertThat(r.get("records").findValuesAsText("key"))
          .containsExactlyInAnyOrder("cli.tick", "cli.state", "cli.setpoint", "cli.temp");

      await(() -> p.produced(ServedPipeline.STATE) > 0);
      McpSchema.CallToolResult get =
          c.callTool(new McpSchema.CallToolRequest("get", Map.of("key", "cli.state")));
      JsonNode g = JSON.readTree(text(get));
      assertThat(g.get("present").asBoolean()).isTrue();
      assertThat(g.get("value").get("mode").asText()).isIn("heat", "idle");

      McpSchema.CallToolResult unknown =
          c.callTool(new McpSchema.CallToolRequest("get", Map.of("key", "no.such.key")));
      assertThat(unknown.isError()).isTrue();
      assertThat(text(unknown)).startsWith("not_found").contains("no.such.key");

      McpSchema.CallToolResult graph =
          c.callTool(new McpSchema.CallToolRequest("graph", Map.of("format", "dot")));
      assertThat(JSON.readTree(text(graph)).get("text").asText()).contains("digraph");
      McpSchema.CallToolResult inspect =
          c.callTool(new McpSchema.CallToolRequest("inspect", Map.of()));
      assertThat(JSON.readTree(text(inspect)).get("tasks").size()).isPositive();

      await(() -> p.store.durableSequence() > 20);
      McpSchema.CallToolResult page =
          c.callTool(
              new McpSchema.CallToolRequest(
                  "query", Map.of("key", "cli.temp", "from", "10m", "limit", 5)));
      JsonNode q = JSON.readTree(text(page));
      assertThat(q.get("entries")).hasSize(5);
      assertThat(q.get("next").asLong()).isEqualTo(q.get("entries").get(4).get("seq").asLong());

      // no set tool without --allow-set: the SDK refuses an unknown tool
      assertThatThrownBy(
              () ->
                  c.callTool(
                      new McpSchema.CallToolRequest(
                          "set", Map.of("key", "cli.setpoint", "value", Map.of("celsius", 1)))))
          .hasMessageContaining("Unknown tool");
    }
  }

  @Test
  void setWithAllowSetWritesThroughTheServer(@TempDir Path dir) throws Exception {
    try (ServedPipeline p = new ServedPipeline(dir)) {
      McpSyncClient c =
          start(
              List.of(
                  "mcp", "--url", p.url, "--token-file", p.tokenFile.toString(), "--allow-set"));
      clients.add(c);
      McpSchema.CallToolResult set =
          c.callTool(
              new McpSchema.CallToolRequest(
                  "set",
                  Map.of("key", "cli.setpoint", "value", Map.of("celsius", 18.5, "mode", "mcp"))));
      assertThat(set.isError()).as(text(set)).isNotEqualTo(Boolean.TRUE);
      await(() -> p.lastSetpoint != null && "mcp".equals(p.lastSetpoint.mode()));
      McpSchema.CallToolResult refused =
          c.callTool(
              new McpSchema.CallToolRequest(
                  "set", Map.of("key", "cli.state", "value", Map.of("mode", "x"))));
      assertThat(refused.isError()).isTrue();
      assertThat(text(refused)).startsWith("forbidden");
    }
  }

  private static String text(McpSchema.CallToolResult r) {
    return ((McpSchema.TextContent) r.content().get(0)).text();
  }

  private static void await(java.util.function.BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out");
      }
      Thread.sleep(10);
    }
  }

  @Test
  void offersSetOnlyWithAllowSet() throws Exception {
    McpSyncClient c =
        start(List.of("mcp", "--url", "ws://127.0.0.1:" + closedPort() + "/v1", "--allow-set"));
    clients.add(c);
    List<String> names = c.listTools().tools().stream().map(McpSchema.Tool::name).toList();
    assertThat(names).contains("set").hasSize(6);
    McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("get", Map.of()));
    assertThat(r.isError()).isTrue();
    assertThat(((McpSchema.TextContent) r.content().get(0)).text()).contains("key");
  }
}
