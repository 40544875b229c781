/**
 * Introspection of a running pipeline: immutable snapshots of every record (metadata, counters,
 * last value), every task (state, failures, restarts) and the graph that connects them, with
 * exports to DOT (Graphviz), Mermaid and JSON. Obtain one with {@link io.runnel.Runnel#inspect()}.
 */
package io.runnel.inspect;
