package io.runnel.store;

/**
 * A snapshot of a store's counters.
 *
 * @param appended values accepted into the hand-off queue
 * @param waited appends that found the queue full and waited (policy wait)
 * @param waitTimeouts of those, the ones that gave up ({@link StoreFullException})
 * @param droppedOldest queued values dropped to make room (policy drop-oldest)
 * @param rejected appends refused at once (policy fail)
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
    long cursorOverruns) {}
