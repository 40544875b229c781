package io.runnel.cli.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import io.runnel.cli.CliException;
import io.runnel.cli.RunnelCli;
import io.runnel.cli.command.ConnectionOptions;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code runnel mcp}: an MCP server on stdio for agents, whose tools are bridged to the pipeline's
 * remote protocol, so the server's tokens, roles and limits apply to them. Read-only unless {@code
 * --allow-set}; even then the token's role decides.
 */
@Command(
    name = "mcp",
    description =
        "Run an MCP server on stdin/stdout for AI agents, with the tools records, get,"
            + " graph, inspect and query (and set with --allow-set), bridged to the pipeline's remote"
            + " server. Ends when stdin closes.")
public final class McpCommand implements Callable<Integer> {

  @Mixin ConnectionOptions connection;

  @Option(
      names = "--allow-set",
      description =
          "also offer the 'set' tool (uses the token file's write token; the server's"
              + " role and allow-list still decide)")
  boolean allowSet;

  @Override
  public Integer call() throws CliException, InterruptedException {
    connection.endpoint(); // a wrong --url fails now, not at the agent's first call
    connection.timeout();
    // stdout carries the MCP messages only: anything else that prints goes to stderr
    PrintStream protocolOut = System.out;
    System.setOut(System.err);
    CountDownLatch stdinClosed = new CountDownLatch(1);
    InputStream in = new EndSignallingInput(System.in, stdinClosed);
    ObjectMapper mapper = new ObjectMapper();
    JacksonMcpJsonMapper json = new JacksonMcpJsonMapper(mapper);
    try (RemoteBridge bridge = new RemoteBridge(connection, allowSet, mapper)) {
      McpSyncServer server =
          McpServer.sync(new StdioServerTransportProvider(json, in, protocolOut))
              .serverInfo("runnel", RunnelCli.version())
              .instructions(
                  "Tools to inspect a running Runnel data pipeline: list its records (records),"
                      + " read a record's current value (get), its graph (graph), tasks and lanes"
                      + " (inspect), and a persisted record's history (query, paged with next).")
              .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
              .tools(bridge.tools(json))
              .build();
      stdinClosed.await();
      server.closeGracefully();
    }
    return 0;
  }

  /** Counts down when the client closes our stdin: the MCP session is over. */
  private static final class EndSignallingInput extends FilterInputStream {
    private final CountDownLatch end;

    EndSignallingInput(InputStream in, CountDownLatch end) {
      super(in);
      this.end = end;
    }

    @Override
    public int read() throws IOException {
      int b = check(super.read());
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return check(super.read(b, off, len));
    }

    private int check(int n) {
      if (n < 0) {
        end.countDown();
      }
      return n;
    }
  }
}
