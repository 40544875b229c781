/**
 * Extension points: how a module outside the core (history, MQTT, HTTP, Kafka, yours) plugs into a
 * pipeline, and the helpers every extension uses.
 *
 * <h2>Model</h2>
 *
 * <p>Two kinds of extension exist. A {@link io.runnel.spi.RecordHook} is attached to one record and
 * sits on its produce path: it sees each value before the buffer does, on the producer's thread,
 * and may restore a value before start (history's {@code Persist} is one). A {@link
 * io.runnel.spi.Connector} is attached to the pipeline: it starts before the tasks, closes after
 * them, reads and writes records through the public {@link io.runnel.Runnel} API, and reports a
 * {@link io.runnel.spi.ConnectorStatus} in {@code inspect()}.
 *
 * <h2>What an extension may and may not do</h2>
 *
 * <ul>
 *   <li>A hook's {@code produced} runs on the producer's thread, which may be a 1 kHz loop on a
 *       dedicated lane: it must be cheap, must not block without bound, and should hand work off
 *       (as the history store's hand-off queue does). An exception it throws reaches the producer;
 *       a hook that must not stop its producer degrades itself (drops, counts, reports) instead of
 *       throwing, unless the user chose a failing policy.
 *   <li>A connector's {@code start} returns promptly (connecting happens in the background with
 *       {@link io.runnel.spi.Backoff}); it throws only for a configuration error, and an
 *       unreachable peer is a status, not an exception. {@code close} returns within a bounded
 *       time. {@code status} is cheap and thread-safe; if it throws, {@code inspect()} shows the
 *       connector as {@code unknown} with the error.
 *   <li>Every wait an extension does has a timeout, and every repeated failure is logged through a
 *       {@link io.runnel.spi.LogLimiter} so a broken peer cannot fill a device's disk.
 *   <li>Extensions use only exported packages; {@code io.runnel.internal} is not reachable from
 *       another module.
 * </ul>
 *
 * <h2>Conformance kits</h2>
 *
 * <p>The contract above is a test: every connector's module extends {@code
 * io.runnel.spi.kit.ConnectorConformanceKit} and every hook's module {@code
 * io.runnel.spi.kit.RecordHookConformanceKit}, from runnel-core's test-jar ({@code
 * <type>test-jar</type>}), supplying a harness with a working and a failing peer.
 *
 * <h2>Helpers</h2>
 *
 * <p>{@link io.runnel.spi.Backoff} (the one retry backoff), {@link io.runnel.spi.LogLimiter} (the
 * one rate-limited log), {@link io.runnel.spi.Checks} (the argument checks with the messages every
 * builder uses) and {@link io.runnel.spi.Durations} (saturating duration arithmetic).
 */
package io.runnel.spi;
