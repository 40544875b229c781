package io.runnel.http;

/**
 * A batch ready to send; re-sent byte for byte, under the same key, until acknowledged.
 *
 * @param first sequence of the first entry, -1 if empty
 * @param last sequence of the last entry, -1 if empty
 * @param next where the cursor moves once the batch is acknowledged (past entries of other keys)
 * @param count number of entries; 0 if the range held only entries of other keys
 * @param body the JSON body, null if empty
 * @param idempotencyKey the {@code Idempotency-Key} header, null if empty
 */
record Batch(long first, long last, long next, int count, byte[] body, String idempotencyKey) {

  /** A range without entries to send: the cursor just moves to {@code next}. */
  static Batch empty(long next) {
    return new Batch(-1, -1, next, 0, null, null);
  }
}
