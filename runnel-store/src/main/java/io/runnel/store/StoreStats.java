package io.runnel.store;

/**
 * A snapshot of a store's counters.
 *
 * <p>The hand-off queue is full when either of its bounds, entries ({@link
 * StoreConfig#queueCapacity()}) or bytes ({@link StoreConfig#queueBytes()}), would be passed.
 * {@code waited}, {@code waitTimeouts}, {@code droppedOldest} and {@code rejected} count the
 * outcomes of both; the {@code ...OverBytes} counters count, of those, the ones the byte bound
 * caused.
 *
 * @param appended values accepted into the hand-off queue
 * @param waited appends that found the queue full and waited (policy wait)
 * @param waitTimeouts of those, the ones that gave up ({@link StoreFullException})
 * @param droppedOldest values dropped to make room, queued or new (policy drop-oldest)
 * @param rejected appends refused at once (policy fail, or a value larger than the byte bound)
 * @param queued values in the queue now
 * @param written entries written to segment files by this process
 * @param encodeFailures values the writer could not encode (codec error, bad key, too large);
 *     logged, and their sequence is a gap
 * @param batches batches the writer took from the queue
 * @param fsyncs forces of segment files
 * @param writtenSequence highest sequence handed to the OS
 * @param durableSequence highest sequence known to be on stable storage (-1: none)
 * @param segments segment files
 * @param totalBytes bytes in segment files
 * @param damagedRegions damaged byte ranges found inside segments on open
 * @param damagedBytes bytes in those ranges
 * @param tornTailBytes bytes cut from the tail of the last segment on open
 * @param segmentsDeleted segments deleted by retention
 * @param cursorOverruns segments deleted by the size limit although a cursor had not passed them
 * @param queuedBytes bytes the queued values account for now (size estimates plus bookkeeping)
 * @param waitedOverBytes of {@code waited}, appends that waited because of the byte bound
 * @param waitTimeoutsOverBytes of {@code waitTimeouts}, those given up on the byte bound
 * @param droppedOverBytes of {@code droppedOldest}, values dropped because of the byte bound
 * @param rejectedOverBytes of {@code rejected}, values refused because of the byte bound
 */
public record StoreStats(
    long appended,
    long waited,
    long waitTimeouts,
    long droppedOldest,
    long rejected,
    long queued,
    long written,
    long encodeFailures,
    long batches,
    long fsyncs,
    long writtenSequence,
    long durableSequence,
    int segments,
    long totalBytes,
    long damagedRegions,
    long damagedBytes,
    long tornTailBytes,
    long segmentsDeleted,
    long cursorOverruns,
    long queuedBytes,
    long waitedOverBytes,
    long waitTimeoutsOverBytes,
    long droppedOverBytes,
    long rejectedOverBytes) {}
