/**
 * The {@code runnel} command line: a client of the remote protocol ({@code docs/REMOTE.md}),
 * offline store tools, and an MCP server for agents. Its entry point is {@link
 * io.runnel.cli.RunnelCli}; {@link io.runnel.cli.remote.RemoteClient} is a client other Java tools
 * may use.
 */
module io.runnel.cli {
  requires io.runnel.core;
  requires io.runnel.store;
  requires transitive info.picocli; // RunnelCli.commandLine() returns a CommandLine
  requires transitive com.fasterxml.jackson.databind; // RemoteClient speaks JsonNode
  requires java.net.http;
  requires io.modelcontextprotocol.sdk.mcp.core;
  requires io.modelcontextprotocol.sdk.mcp.json.jackson2;

  exports io.runnel.cli;
  exports io.runnel.cli.remote;

  // picocli reads and sets the commands' annotated fields reflectively
  opens io.runnel.cli to
      info.picocli;
  opens io.runnel.cli.command to
      info.picocli;
  opens io.runnel.cli.store to
      info.picocli;
  opens io.runnel.cli.mcp to
      info.picocli;
}
