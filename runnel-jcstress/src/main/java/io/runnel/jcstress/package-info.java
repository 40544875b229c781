/**
 * jcstress tests of the lock-free buffers of {@code io.runnel.buffer}, through their public API.
 *
 * <p>Every test produces values that carry their sequence number ({@link io.runnel.jcstress.Val}),
 * so a reader's observations can be checked against the known production order; {@link
 * io.runnel.jcstress.Trace} does the checking and turns the first violation into a verdict code,
 * which the tests report as the first result field (0 = valid). Any non-zero verdict, and any
 * outcome not listed, is FORBIDDEN. ACCEPTABLE_INTERESTING marks valid but notable outcomes (a lag,
 * a skipped value, a reader reaching end of stream during the race).
 *
 * <p>jcstress runs an actor per CPU and does not run a test with more actors than CPUs at all, so
 * all tests here have 2 actors (where a second reader is needed, it runs on the writer's thread,
 * interleaved with the produces in a fixed pattern) and therefore run on a 2-CPU machine too.
 *
 * <p>Run: {@code ./runnel mvn -B -pl runnel-jcstress verify} (all tests, mode "sanity"), or {@code
 * java -jar runnel-jcstress/target/jcstress.jar -t RingLag -m quick} for one test, longer.
 */
package io.runnel.jcstress;
