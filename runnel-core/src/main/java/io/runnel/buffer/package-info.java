/**
 * Buffers: how the values of one record are held between its producer and its readers.
 *
 * <h2>Model</h2>
 *
 * <p>Every record has exactly one {@link io.runnel.buffer.Buffer}. Three kinds exist, each with an
 * exact contract (see {@link io.runnel.buffer.BufferSpec}):
 *
 * <table>
 *   <caption>Buffer kinds</caption>
 *   <tr><th>kind</th><th>holds</th><th>a new reader first sees</th><th>a slow reader</th></tr>
 *   <tr><td>{@linkplain io.runnel.buffer.BufferSpec#ring(int) SPMC ring}</td><td>the last N
 *       values</td><td>values produced after it subscribed</td><td>gets a
 *       {@link io.runnel.buffer.LaggedException} carrying exactly how many values it missed, then
 *       continues from the oldest value still held</td></tr>
 *   <tr><td>{@linkplain io.runnel.buffer.BufferSpec#latest() single latest}</td><td>the newest
 *       value</td><td>the current value, if any, then each change</td><td>only ever sees the
 *       newest value; never an error</td></tr>
 *   <tr><td>{@linkplain io.runnel.buffer.BufferSpec#mailbox() mailbox}</td><td>one slot,
 *       overwritten</td><td>the pending value, if any</td><td>each value is taken by exactly one
 *       reader</td></tr>
 * </table>
 *
 * <p>Common to all: a producer never blocks on a slow reader; readers never disturb each other;
 * {@code null} is never a value; closing a buffer wakes every waiting reader, which then drains
 * what is still held and gets an {@link io.runnel.buffer.EndOfStreamException}. The ring and
 * single-latest paths allocate nothing per produced or received value.
 *
 * <h2>Threads</h2>
 *
 * <p>A buffer has a single writer: {@link io.runnel.buffer.Buffer#produce} calls must not overlap
 * (the graph guarantees this for pipeline tasks; the runtime serialises producers it hands out to
 * outside code). Each {@link io.runnel.buffer.Reader} belongs to one consumer at a time; any number
 * of readers may run concurrently.
 */
package io.runnel.buffer;
