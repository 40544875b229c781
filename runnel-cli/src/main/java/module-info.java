/** The {@code runnel} command line: a client of the remote protocol, offline store tools, MCP. */
module io.runnel.cli {
  requires io.runnel.core;

// exports io.runnel.cli; (added with its first class)
}
