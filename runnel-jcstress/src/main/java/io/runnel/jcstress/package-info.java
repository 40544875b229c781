/**
 * jcstress tests of the lock-free buffers of {@code io.runnel.buffer}, through their public API:
 * the non-blocking paths ({@code tryRecv}: {@link io.runnel.jcstress.RingLag}, {@link
 * io.runnel.jcstress.SeqlockTornRead}, {@link io.runnel.jcstress.TwoRingReaders}, {@link
 * io.runnel.jcstress.LatestNeverBackwards}, {@link io.runnel.jcstress.MailboxTakeOnce}, {@link
 * io.runnel.jcstress.CloseVsRead}) and the blocking ones (the park and wake-up protocol of {@code
 * recv} and {@code ReaderGroup.await}: {@link io.runnel.jcstress.RecvVsProduce}, {@link
 * io.runnel.jcstress.RecvVsClose}, {@link io.runnel.jcstress.GroupAwait}).
 *
 * <p>Two white-box test classes reach into a module's internals: {@link
 * io.runnel.jcstress.HandoffVsDrain} checks the history store's lock-free hand-off queue ({@code
 * io.runnel.store.wal.HandoffQueue}: claims, publication, the writer's batch take, drop-oldest
 * compaction) directly, because through {@code HistoryStore} a writer thread and a disk would stand
 * between the racing steps; {@link io.runnel.jcstress.HandoffBytesVsDrain} checks its byte bound
 * (the producers' byte reservations, the writer's release of them, eviction and compaction under
 * the bound, and that the byte count ends at exactly 0). {@code ModuleBoundaryTest} allows exactly
 * that use.
 *
 * <p>Every test produces values that carry their sequence number ({@link io.runnel.jcstress.Val}),
 * so a reader's observations can be checked against the known production order; {@link
 * io.runnel.jcstress.Trace} does the checking and turns the first violation into a verdict code,
 * which the tests report as the first result field (0 = valid). Any non-zero verdict, and any
 * outcome not listed, is FORBIDDEN. ACCEPTABLE_INTERESTING marks valid but notable outcomes (a lag,
 * a skipped value, a reader reaching end of stream during the race).
 *
 * <p>jcstress runs an actor per CPU and does not run a test with more actors than CPUs at all, so
 * all tests here have at most 2 actors (where a second reader is needed, it runs on the writer's
 * thread, interleaved with the produces in a fixed pattern) and therefore run on a 2-CPU machine
 * too.
 *
 * <p>A blocking test has two forms. In {@code Mode.Termination} the actor waits without a timeout
 * and the signal produces or closes: a lost wake-up is the outcome STALE (jcstress gives up on the
 * actor and ends that run), never a hung build. In the arbiter form ({@code ExactlyOnce}) the
 * reader waits with a timeout (10 s), so a lost wake-up shows as a verdict instead of a hang, and
 * the arbiter checks that the value arrived exactly once. {@link io.runnel.jcstress.Delay} spreads
 * the other thread's step over the waiter's phases (poll, spin, yield, arm and re-check, park).
 *
 * <p>Run: {@code ./runnel mvn -B -pl runnel-jcstress verify} (all tests, mode "sanity"), or {@code
 * java -jar runnel-jcstress/target/jcstress.jar -t RingLag -m quick} for one test, longer.
 */
package io.runnel.jcstress;
