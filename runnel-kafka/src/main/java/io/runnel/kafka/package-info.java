/**
 * Kafka link: persisted records to Kafka through the shared history reader, live values through a
 * bounded queue, and consumer groups into records, built on the official {@code kafka-clients}.
 *
 * <h2>Model: threads and what each owns</h2>
 *
 * <p>One {@link io.runnel.kafka.KafkaLink} is one producer (created at start, only if the link
 * sends) and one consumer per subscription, registered with {@code
 * Runnel.builder().connector(link)}. It starts before the pipeline's tasks and closes after them;
 * starting never waits for the cluster.
 *
 * <table>
 *   <caption>Threads of one link</caption>
 *   <tr><th>thread</th><th>owns</th><th>never</th></tr>
 *   <tr><td><b>producer I/O</b> ({@code kafka-producer-network-thread | runnel-name-node}, the
 *       client's, one)</td>
 *       <td>connections, batching, retries of the idempotent producer; it completes sends, which
 *       only marks them done and wakes a waiting route</td>
 *       <td>touches the store or a pipeline buffer</td></tr>
 *   <tr><td><b>history route</b> ({@code runnel-kafka[name]-history-cursor}, one per {@link
 *       io.runnel.kafka.KafkaLink#publishHistory publishHistory})</td>
 *       <td>its {@link io.runnel.store.HistoryReader} (the durable cursor), its read position and
 *       its window of sends not yet acknowledged</td>
 *       <td>shares state with another route</td></tr>
 *   <tr><td><b>live sender</b> ({@code runnel-kafka[name]-live}, if {@code publish} is used)</td>
 *       <td>taking live values from the bounded queue and handing them to the producer, at most
 *       {@code maxInflight} unacknowledged</td>
 *       <td>blocks a tap task: taps only add to the queue</td></tr>
 *   <tr><td><b>consumer</b> ({@code runnel-kafka[name]-consumer-group}, one per {@link
 *       io.runnel.kafka.KafkaLink#subscribe subscribe})</td>
 *       <td>its {@code KafkaConsumer}: polls, the hand-off to the source, pausing when the source
 *       lags, offset commits, consumer lag</td>
 *       <td>decodes or produces</td></tr>
 *   <tr><td>pipeline tasks (not the link's)</td>
 *       <td>tap tasks encode live values into the queue; source tasks decode records, produce
 *       values and dead letters</td>
 *       <td>wait for the cluster</td></tr>
 * </table>
 *
 * <h2>Delivery guarantees</h2>
 *
 * <ul>
 *   <li><b>From history</b> ({@link io.runnel.kafka.KafkaLink#publishHistory}; of fixed keys, or of
 *       every key under a {@link io.runnel.store.KeySelector#prefix prefix}, also of records added
 *       to the running pipeline later, decision 023): durable entries, sent as stored, by an
 *       idempotent producer with {@code acks=all}; the cursor moves only past entries the cluster
 *       acknowledged, in sequence order, whatever number is in flight. <b>At least once</b> across
 *       broker outages, broker crashes and process crashes. <b>Exactly once per {@code (node,
 *       sequence)}</b> for a consumer that keeps the first message of each ({@value
 *       io.runnel.kafka.KafkaHeaders#NODE}, {@value io.runnel.kafka.KafkaHeaders#SEQUENCE}) pair:
 *       resends carry the same headers. The producer's idempotence does not make the de-duplication
 *       unnecessary: it covers its own retries (measured: none duplicated across a broker {@code
 *       kill -9}), not a restart of the process nor a resend after a send the producer gave up on.
 *   <li><b>Order.</b> The message key is {@code <record key>@<node id>}, so the default partitioner
 *       puts one key's values from one node into one partition, in sequence order; a resend repeats
 *       values (with their sequences) but never skips one.
 *   <li><b>Live</b> ({@link io.runnel.kafka.KafkaLink#publish}): best effort, bounded queue, drop
 *       oldest when full (counted); lost on a process crash.
 *   <li><b>Inbound</b> ({@link io.runnel.kafka.KafkaLink#subscribe}): at least once; an offset is
 *       committed only after the value was produced, and, with {@code persistedIn}, only once the
 *       store is durable past it. Undecodable messages are dead letters ({@link
 *       io.runnel.kafka.KafkaDeadLetter}: topic, partition, offset, the error), then committed.
 * </ul>
 *
 * <p>See {@code runnel-kafka/README.md} for the options and the status fields, and {@code
 * docs/decisions/019-kafka-link.md} for why.
 */
package io.runnel.kafka;
