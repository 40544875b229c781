package io.runnel.cli.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.runnel.cli.CliException;
import io.runnel.cli.command.ConnectionOptions;
import io.runnel.cli.command.TimeArgs;
import io.runnel.cli.remote.RemoteClient;
import io.runnel.cli.remote.RemoteException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The MCP tools, each one request of the remote protocol on one shared connection (opened at the
 * first call, opened again after it was lost). A failure is a tool result with {@code isError} and
 * one line saying what went wrong, never an exception into the MCP session.
 */
final class RemoteBridge implements AutoCloseable {

  private final ConnectionOptions connection;
  private final boolean allowSet;
  private final ObjectMapper mapper;
  private RemoteClient client;

  RemoteBridge(ConnectionOptions connection, boolean allowSet, ObjectMapper mapper) {
    this.connection = connection;
    this.allowSet = allowSet;
    this.mapper = mapper;
  }

  /** The tool specifications. */
  List<SyncToolSpecification> tools(McpJsonMapper json) {
    List<SyncToolSpecification> tools = new ArrayList<>();
    tools.add(
        tool(
            json,
            "records",
            "List the pipeline's records: key, Java type, JSON schema of the value, buffer,"
                + " counters (produced, delivered, lagged, dropped), whether writable/persisted.",
            "{\"type\":\"object\",\"properties\":{}}",
            args -> call("records", null)));
    tools.add(
        tool(
            json,
            "get",
            "The current value of one record, by key. present=false when nothing was produced.",
            "{\"type\":\"object\",\"properties\":{\"key\":{\"type\":\"string\","
                + "\"description\":\"record key, e.g. sensor.temp.indoor\"}},"
                + "\"required\":[\"key\"]}",
            args -> call("get", mapper.createObjectNode().put("key", text(args, "key")))));
    tools.add(
        tool(
            json,
            "graph",
            "The pipeline's graph: nodes, edges and order (json), or Graphviz dot / Mermaid text.",
            "{\"type\":\"object\",\"properties\":{\"format\":{\"type\":\"string\","
                + "\"enum\":[\"json\",\"dot\",\"mermaid\"]}}}",
            args -> {
              ObjectNode p = mapper.createObjectNode();
              if (args.get("format") != null) {
                p.put("format", text(args, "format"));
              }
              return call("graph", p);
            }));
    tools.add(
        tool(
            json,
            "inspect",
            "A snapshot of the running pipeline: records, tasks (state, failures, restarts,"
                + " lateness percentiles), lanes (busy ratio, wake-to-run delay, watchdog),"
                + " connectors (connected, backlog, retries, last error).",
            "{\"type\":\"object\",\"properties\":{}}",
            args -> call("inspect", null)));
    tools.add(
        tool(
            json,
            "query",
            "One page of a persisted record's history: entries {seq,time,value} in [from, to)."
                + " Pass the result's 'next' as afterSeq for the next page; next=null is the end.",
            "{\"type\":\"object\",\"properties\":{"
                + "\"key\":{\"type\":\"string\"},"
                + "\"from\":{\"type\":\"string\",\"description\":"
                + "\"ISO-8601 instant, or a duration ago such as 10m or 2h\"},"
                + "\"to\":{\"type\":\"string\",\"description\":"
                + "\"ISO-8601 instant, or a duration ago\"},"
                + "\"afterSeq\":{\"type\":\"integer\"},"
                + "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"description\":"
                + "\"entries per page (default 100; the server caps it)\"}},"
                + "\"required\":[\"key\"]}",
            this::query));
    if (allowSet) {
      tools.add(
          tool(
              json,
              "set",
              "Write a value (JSON) into a record the pipeline declared writable. The server's"
                  + " token role and write allow-list decide whether it is accepted.",
              "{\"type\":\"object\",\"properties\":{\"key\":{\"type\":\"string\"},"
                  + "\"value\":{\"description\":\"the value as JSON\"}},"
                  + "\"required\":[\"key\",\"value\"]}",
              args -> {
                ObjectNode p = mapper.createObjectNode().put("key", text(args, "key"));
                p.set("value", mapper.valueToTree(args.get("value")));
                return call("set", p);
              }));
    }
    return tools;
  }

  private JsonNode query(Map<String, Object> args) throws RemoteException, CliException {
    Instant now = Instant.now();
    ObjectNode p = mapper.createObjectNode().put("key", text(args, "key"));
    if (args.get("from") != null) {
      p.put("from", TimeArgs.instant("from", text(args, "from"), now).toString());
    }
    if (args.get("to") != null) {
      p.put("to", TimeArgs.instant("to", text(args, "to"), now).toString());
    }
    if (args.get("afterSeq") instanceof Number n) {
      p.put("afterSeq", n.longValue());
    }
    p.put("limit", args.get("limit") instanceof Number n ? n.intValue() : 100);
    return call("query", p);
  }

  private interface Handler {
    JsonNode handle(Map<String, Object> args) throws RemoteException, CliException;
  }

  private SyncToolSpecification tool(
      McpJsonMapper json, String name, String description, String schema, Handler handler) {
    McpSchema.Tool tool =
        McpSchema.Tool.builder(name, json, schema).description(description).build();
    return SyncToolSpecification.builder()
        .tool(tool)
        .callHandler(
            (exchange, request) -> {
              Map<String, Object> args =
                  request.arguments() == null ? Map.of() : request.arguments();
              try {
                JsonNode result = handler.handle(args);
                return CallToolResult.builder().addTextContent(result.toString()).build();
              } catch (RemoteException e) {
                return error(e.reason() + ": " + e.getMessage());
              } catch (CliException | IllegalArgumentException e) {
                return error(e.getMessage());
              }
            })
        .build();
  }

  private static CallToolResult error(String message) {
    return CallToolResult.builder().addTextContent(message).isError(true).build();
  }

  private static String text(Map<String, Object> args, String name) {
    Object v = args.get(name);
    if (v == null) {
      throw new IllegalArgumentException("missing argument '" + name + "'");
    }
    return v.toString();
  }

  private JsonNode call(String method, ObjectNode params) throws RemoteException, CliException {
    RemoteClient c = client();
    try {
      return c.call(method, params);
    } catch (RemoteException e) {
      if (c.isClosed()) {
        drop(c);
      }
      throw e;
    }
  }

  private synchronized RemoteClient client() throws CliException {
    if (client == null || client.isClosed()) {
      client = connection.connect(allowSet, "runnel-mcp");
    }
    return client;
  }

  private synchronized void drop(RemoteClient c) {
    if (client == c) {
      client = null;
    }
    c.close();
  }

  @Override
  public synchronized void close() {
    if (client != null) {
      client.close();
    }
  }
}
