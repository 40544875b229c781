package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The MCP server as an agent runs it: the SDK's own client starts {@code java -jar runnel-cli.jar
 * mcp} as a subprocess and talks MCP to it over stdio.
 */
@Timeout(120)
class McpJarIT {

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
