/**
 * The graph as declared and as checked, before anything runs. Not exported.
 *
 * <h2>Model</h2>
 *
 * <p>{@link io.runnel.internal.graph.RecordDef} is what {@code RunnelBuilder.configure} recorded
 * for one record (and is the {@link io.runnel.Registration} the user's lambda configures): key,
 * type, buffer, lane, its writer, its taps and hooks. {@link io.runnel.internal.graph.GraphChecker}
 * checks all of them at once (duplicate keys, type clashes, two writers, missing or mistyped
 * inputs, undeclared lanes, budgets, cycles) and orders the records topologically. Everything here
 * runs on the thread that calls {@code build()}; nothing is shared with running tasks except the
 * finished, no longer modified definitions.
 */
package io.runnel.internal.graph;
