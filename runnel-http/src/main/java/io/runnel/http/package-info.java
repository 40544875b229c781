/**
 * Cloud sync over HTTP: store and forward of a {@link io.runnel.store.HistoryStore}'s persisted
 * history to an HTTP endpoint.
 *
 * <h2>Model</h2>
 *
 * <p><b>Threads.</b> Each {@link io.runnel.http.CloudSync} involves three kinds of thread, and each
 * piece of state belongs to one of them:
 *
 * <ul>
 *   <li><b>Callers</b> (any thread: the pipeline, the application, a status reader) configure,
 *       start and close the sync, ask for its status, wake it ({@code syncNow}) and wait for
 *       progress ({@code awaitForwarded}). They own the configuration (immutable once built) and
 *       the lifecycle; they only read what the sync thread publishes.
 *   <li><b>The sync thread</b> ({@code runnel-http-<name>}, one platform thread per instance) owns
 *       everything that moves: the {@link io.runnel.store.HistoryReader} (and through it the
 *       durable cursor and the {@code <cursor>.sent} cursor), the batch being sent and its attempt
 *       count, the retry and backoff decisions, and rendering batches. It publishes the status
 *       counters and the cursor position.
 *   <li><b>The exchange's pool</b> ({@code runnel-http-<name>-client-N}, one thread at a time) runs
 *       the exchange itself on {@link java.net.HttpURLConnection}; the sync thread waits for its
 *       answer with a deadline, and the deadline or {@code close()} disconnects it.
 * </ul>
 *
 * Nothing runs on a pool shared with the store or the pipeline.
 *
 * <p><b>Reading the history.</b> The sync reads through the store's one shared mechanism for it,
 * {@link io.runnel.store.HistoryReader} (see its contract: durable entries only, pages from a
 * durable cursor, commit only what was delivered, sent bounds), built with {@code rememberSent()}
 * and {@code maxPageEntries(maxBatchEntries)} and without a byte limit: the batcher cuts a page by
 * its rendered JSON size ({@code Page.prefix}). Nothing in this package keeps its own cursor, page
 * or sent-bounds logic.
 *
 * <p><b>Delivery guarantee: at least once.</b> Only durable entries are sent, in sequence order, in
 * batches bounded by entries and bytes. Each batch is a JSON body POSTed with {@code
 * Idempotency-Key: <node>-<first sequence>} and re-sent byte for byte until a 2xx arrives; only
 * then does the durable cursor move (and is persisted). A receiver that de-duplicates by the key
 * sees every entry exactly once. Before a batch is first sent, its end is persisted in the {@code
 * .sent} cursor; after a restart the batch at the cursor is <em>rebuilt with exactly those
 * bounds</em>, so a batch whose answer was lost is never replaced by a longer one under the same
 * key (which a de-duplicating receiver would acknowledge without reading). A batch rebuilt smaller
 * after a 413 carries its limit in its key ({@code <node>-<first>-l<limit>}) for the same reason.
 * Failures (timeouts, resets, 5xx, 429, an unresolvable host, other 4xx) are retried with capped
 * exponential backoff and full jitter or the server's {@code Retry-After}; nothing is dropped and
 * nothing waits without a timeout.
 *
 * <h2>API</h2>
 *
 * <p>The public API is {@link io.runnel.http.CloudSync} and its immutable {@link
 * io.runnel.http.CloudSync.Builder}; the state is reported through {@link
 * io.runnel.spi.Connector#status()}. Everything else here is package-private:
 *
 * <ul>
 *   <li>{@code SyncLoop}: the sync thread's loop over the {@code HistoryReader} (await a page, mark
 *       it sent, report it delivered and commit after a 2xx, discard the sent bounds after a 413)
 *       and the retry decisions (the one user of the core's {@link io.runnel.spi.Backoff}, full
 *       jitter).
 *   <li>{@code Batcher}, {@code BatchWriter}, {@code Batch}: a page rendered into a batch within
 *       the byte limit, its JSON body and idempotency key.
 *   <li>{@code HttpSender}, {@code RetryAfter}: the request, its timeouts, headers and TLS, and the
 *       classification of the answer.
 *   <li>{@code SyncStatus}, {@code SyncSignal}: what the sync thread publishes, and the wake-up,
 *       closing and progress signals between callers and the sync thread.
 *   <li>{@code PlaintextCredentials}: which headers are credentials, whether the endpoint is
 *       loopback (by its text, never resolved), and the refusal and warning when credentials would
 *       go over plain http.
 *   <li>{@code SyncSettings}: the validated configuration (checked with the core's {@link
 *       io.runnel.spi.Checks}, so the messages match every other builder).
 * </ul>
 */
package io.runnel.http;
