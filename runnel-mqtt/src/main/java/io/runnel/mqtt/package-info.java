/**
 * MQTT connector: links records of a pipeline to an MQTT broker (MQTT 3.1.1 or 5, TLS,
 * credentials), built on the HiveMQ MQTT client.
 *
 * <h2>Model</h2>
 *
 * <p>One {@link io.runnel.mqtt.MqttLink} is one client connection, registered with {@code
 * Runnel.builder().connector(link)}. It starts before the pipeline's tasks and closes after them;
 * starting never waits for the broker. It offers three kinds of routes:
 *
 * <ul>
 *   <li><b>Live outbound</b> ({@link io.runnel.mqtt.MqttLink#publish}): a tap task encodes each
 *       value and hands it to a bounded offline queue; the link's sender publishes from it while
 *       connected (QoS 0 or 1, optional retain, topic fixed or computed per value). The pipeline is
 *       never blocked: when the queue is full the oldest message is dropped and counted. Delivery
 *       is best effort across outages (bounded by the queue) and lost on a process crash.
 *   <li><b>Outbound from history</b> ({@link io.runnel.mqtt.MqttLink#publishHistory}): durable
 *       entries of a persisted record are read from a {@link io.runnel.store.HistoryStore} through
 *       a named durable cursor, published at QoS 1, and the cursor advances only past entries the
 *       broker acknowledged, and only once they are older than the replay window. If the broker
 *       comes back without the link's session (it crashed and lost what it held), everything after
 *       the cursor is sent again. Across a broker outage, a broker crash or a restart of the
 *       process nothing is lost: <em>at least once</em>; duplicates carry the same MQTT 5 user
 *       property {@code runnel-seq}.
 *   <li><b>Inbound</b> ({@link io.runnel.mqtt.MqttLink#subscribe}): a source writes a record from a
 *       topic filter (wildcards allowed). Payloads are decoded on the source's task; one that does
 *       not decode is counted, logged (rate-limited) with its topic and produced as a {@link
 *       io.runnel.mqtt.DeadLetter} to the record named by {@code deadLetters(key)}; the source
 *       carries on.
 * </ul>
 *
 * <h2>Connection</h2>
 *
 * <p>The link retries forever with capped exponential backoff and jitter (each delay random in
 * {@code [d/2, d]}, {@code d = min(max, min * 2^attempt)}), also after a refused CONNECT (wrong
 * password): the reason is in the status. Sessions are persistent ({@code cleanStart=false}; MQTT 5
 * session expiry configurable), so a broker that kept the session keeps the subscriptions and the
 * queued QoS 1 messages; after a reconnect without session the client subscribes again.
 *
 * <h2>Status</h2>
 *
 * <p>{@link io.runnel.mqtt.MqttLink#status()} (also in {@code runnel.inspect()}): connected, last
 * error (time, what, where, and a hint for credential errors), backlog (offline queue +
 * unacknowledged + history not yet acknowledged), retries (connection attempts after a failure),
 * dead letters, and counters: {@code sent}, {@code received}, {@code dropped}, {@code lagged},
 * {@code encodeFailures}, {@code publishFailures}, {@code inboundDropped}, {@code connects}, {@code
 * sessionLosses}, {@code subscribed}, and per history route {@code history.<cursor>.sent/acked/
 * rejected/skipped/rewinds/position/backlog}.
 *
 * <h2>Threads</h2>
 *
 * <p>Per link: one HiveMQ event-loop thread (a daemon), one sender thread and one thread per
 * history route (platform daemons). Nothing runs on the common pool.
 */
package io.runnel.mqtt;
