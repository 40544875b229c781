package io.runnel.http;

import io.runnel.store.HistoryReader;

/**
 * A batch ready to send; re-sent byte for byte, under the same key, until acknowledged.
 *
 * @param page the history page it holds, never empty: its bounds are what {@link
 *     HistoryReader#markSent} remembers and its end is what is delivered on a 2xx
 * @param body the JSON body
 * @param idempotencyKey the {@code Idempotency-Key} header
 */
record Batch(HistoryReader.Page page, byte[] body, String idempotencyKey) {

  Batch {
    if (page.isEmpty()) {
      throw new IllegalArgumentException("a batch needs entries: " + page);
    }
  }

  /** Where the cursor moves once the batch is acknowledged (past entries of other keys). */
  long next() {
    return page.end();
  }

  /** Number of entries. */
  int count() {
    return page.size();
  }
}
