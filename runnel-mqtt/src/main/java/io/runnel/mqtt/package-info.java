/**
 * MQTT connector: links records of a pipeline to an MQTT broker (MQTT 3.1.1 or 5, TLS,
 * credentials), built on the HiveMQ MQTT client.
 *
 * <h2>Model: threads and what each owns</h2>
 *
 * <p>One {@link io.runnel.mqtt.MqttLink} is one client connection, registered with {@code
 * Runnel.builder().connector(link)}. It starts before the pipeline's tasks and closes after them;
 * starting never waits for the broker. Per link there are these threads (all daemons; nothing runs
 * on the common pool):
 *
 * <table>
 *   <caption>Threads of one link</caption>
 *   <tr><th>thread</th><th>owns</th><th>never</th></tr>
 *   <tr><td><b>client event loop</b> ({@code runnel-mqtt-io[clientId]-N}, one, HiveMQ's)</td>
 *       <td>the connection state: connected, connection counters, when to reconnect (capped
 *       exponential backoff with jitter); inbound messages, matched to subscriptions and offered
 *       to their bounded queues; acknowledgements of published messages</td>
 *       <td>blocks, decodes a payload, or touches the store</td></tr>
 *   <tr><td><b>sender</b> ({@code runnel-mqtt[name]-sender}, one)</td>
 *       <td>taking live messages from the bounded offline queue and publishing them while
 *       connected, at most {@code maxInflight} unacknowledged</td>
 *       <td>blocks a tap task: taps only add to the queue</td></tr>
 *   <tr><td><b>history route</b> ({@code runnel-mqtt[name]-history-cursor}, one per
 *       {@link io.runnel.mqtt.MqttLink#publishHistory publishHistory})</td>
 *       <td>its {@link io.runnel.store.HistoryReader} (the durable cursor),
 *       its read position, its window of unacknowledged entries and its confirmation probes</td>
 *       <td>shares state with another route</td></tr>
 *   <tr><td>pipeline tasks (not the link's)</td>
 *       <td>tap tasks encode live values into the offline queue; source tasks decode inbound
 *       payloads, produce values and dead letters</td>
 *       <td>wait for the broker</td></tr>
 * </table>
 *
 * <p>The thread that starts and closes the pipeline starts and closes the link; closing tells the
 * sender and history routes to stop and gives them until the close timeout.
 *
 * <h2>Delivery guarantees</h2>
 *
 * <ul>
 *   <li><b>Live outbound</b> ({@link io.runnel.mqtt.MqttLink#publish}): QoS 0 or 1 while connected,
 *       optional retain, topic fixed or computed per value. The pipeline is never blocked: while
 *       the broker is away messages wait in the offline queue, bounded in messages and in payload
 *       bytes ({@code offlineQueue}, {@code offlineQueueBytes}), and when it is full the oldest is
 *       dropped and counted. A QoS 1 message whose publish fails goes back to the head of the
 *       queue. Best effort across outages (bounded by the queue); lost on a process crash.
 *   <li><b>Outbound from history</b> ({@link io.runnel.mqtt.MqttLink#publishHistory}): durable
 *       entries of a persisted record are read from a {@link io.runnel.store.HistoryStore} through
 *       a named durable cursor (the store's {@link io.runnel.store.HistoryReader}, whose contract
 *       this relies on) and published at QoS 1, at most {@code maxInflight} unacknowledged (a
 *       replay after a reconnect included). <b>The rule:</b> the cursor moves past an acknowledged
 *       message only after a confirmation, a round trip to the broker (a probe: UNSUBSCRIBE of a
 *       filter the link never subscribes, answered by UNSUBACK) sent at least {@code replayWindow}
 *       (default 2 s) after the message's PUBACK arrived and answered on the same connection. A
 *       broker that lost power or sits behind a blackholed network never answers, so however long
 *       the keep-alive takes to notice, nothing it acknowledged within the window is committed.
 *       After any reconnect (with or without session) the route resends everything after the
 *       cursor; closing commits only what is confirmed. A zero window trusts PUBACK alone. Across a
 *       broker outage, a broker crash, a power cut of its host or a restart of the process nothing
 *       is lost: <em>at least once</em>; duplicates carry the same MQTT 5 user property {@code
 *       runnel-seq} and are counted ({@code history.<cursor>.resentAcked}, {@code
 *       resentAckedLastOutage}). PUBACK codes: transient ones ({@code 0x97} quota exceeded, {@code
 *       0x91} packet identifier in use) are sent again after a {@link io.runnel.spi.Backoff} delay;
 *       final ones ({@code 0x80}, {@code 0x83}, {@code 0x87}, {@code 0x90}, {@code 0x99}) are
 *       counted as {@code rejected} and skipped. The route's codec must be the one the record is
 *       persisted with: {@code start()} fails if the store's newest entry of the key says
 *       otherwise, and an entry in another codec met later holds the route before it (visible in
 *       the backlog, the last error and {@code codecMismatch}).
 *   <li><b>Through a broker, to its subscribers</b>: what Runnel can promise ends at the broker.
 *       <em>At least once to the broker</em>: every history entry is PUBACKed by a broker that then
 *       stayed alive for the replay window. Whether a subscriber gets it is the broker's doing. A
 *       stock Mosquitto keeps at most {@code max_queued_messages} (default 1000) QoS 1 messages for
 *       a persistent subscriber beyond those in flight to it ({@code max_inflight_messages},
 *       default 20; none while it is offline) and drops the rest silently: the link still gets its
 *       PUBACKs. After an outage the link usually comes back before the broker's subscribers do,
 *       and an unpaced resend outruns their queues (measured, Mosquitto 2.0.11 with default
 *       settings: 4000 readings resent while the subscriber was still away for 1.5 s; it got 1000,
 *       the broker counted 3000 dropped in {@code $SYS/broker/publish/messages/dropped}). For
 *       delivery end to end:
 *       <ul>
 *         <li>pace the resend with {@link io.runnel.mqtt.MqttLink.Builder#historyRate} below the
 *             slowest subscriber's rate: the broker then holds at most what the subscriber missed
 *             while away plus a burst (50 ms worth), and a subscriber that is back within {@code
 *             max_queued_messages / rate} and keeps up at the rate loses nothing, even with the
 *             broker's default queue (tested: the same 4000 readings paced at 400/s, subscriber
 *             away 1.5 s, then taking up to 1000/s: all arrived, nothing dropped);
 *         <li>on the broker, make each subscriber's queue hold what it can miss: {@code
 *             max_queued_messages} (and {@code max_queued_bytes}) at least the messages published
 *             for it while it is away or behind (0 means unlimited, bounded by the broker's memory;
 *             {@code max_inflight_messages} adds to it only while the subscriber is online, so it
 *             is a throughput setting, not a safety one), {@code persistence true} so that the
 *             queues survive a broker restart, and subscribers with persistent sessions (clean
 *             start off, a session expiry longer than their outages) subscribing at QoS 1;
 *         <li>what can still be lost, and Runnel cannot see: messages for a subscriber slower than
 *             the pace, or away for longer than its queue lasts at the pace (tested: away 4 s at
 *             400/s, ~600 of 4000 dropped), or whose session expired; and what a broker without
 *             persistence held for its subscribers when it went down after the replay window.
 *             Duplicates carry the {@code runnel-seq} user property.
 *       </ul>
 *   <li><b>Inbound</b> ({@link io.runnel.mqtt.MqttLink#subscribe}): what the broker delivers to a
 *       persistent session. Messages are handed to the source through a queue bounded in messages
 *       and payload bytes ({@code inboundQueue}, {@code inboundQueueBytes}; the oldest dropped and
 *       counted when full; lost on a process crash), on which the source waits at a Runnel waiting
 *       point (lane-aware: no watchdog report for an idle topic, a cooperative lane's slot given
 *       up, virtual time in a simulation), and decoded on its task; one that does not decode is
 *       counted, logged (rate-limited) with its topic and produced as a {@link
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
 * queued QoS 1 messages; after a reconnect without session the client subscribes again. Credentials
 * over plain TCP are refused at {@code build()} unless the broker is on a loopback address (warned
 * once) or {@code allowPlaintextCredentials()} was given.
 *
 * <h2>API</h2>
 *
 * <p>{@code MqttLink.builder().broker(host, port)...build()} configures a link (the builder is
 * immutable: each option returns a new one; the name defaults to {@code "mqtt"}); {@code
 * publish(...)} gives a {@link io.runnel.TapTask}, {@code subscribe(...)} a {@link
 * io.runnel.Source}, {@code publishHistory(...)} adds a route; all before the pipeline starts. A
 * route over a {@link io.runnel.store.KeySelector#prefix key prefix} also forwards records added to
 * the running pipeline later (decision 023). {@link io.runnel.mqtt.Qos} and {@link
 * io.runnel.mqtt.DeadLetter} complete the public API; every other type of the package is internal.
 *
 * <h2>Status</h2>
 *
 * <p>{@link io.runnel.mqtt.MqttLink#status()} (also in {@code runnel.inspect()}): connected, last
 * error (time, what, where, and a hint for credential errors), backlog (offline queue +
 * unacknowledged + history not yet acknowledged), retries (connection attempts after a failure),
 * dead letters, and counters: {@code sent}, {@code received}, {@code dropped}, {@code lagged},
 * {@code encodeFailures}, {@code publishFailures}, {@code queued}, {@code queuedBytes}, {@code
 * inflight}, {@code inboundDropped}, {@code inboundQueuedBytes}, {@code unrouted}, {@code
 * connects}, {@code sessionLosses}, {@code subscribed}, {@code subscribeFailures}, and per history
 * route {@code history.<cursor>.sent/acked/
 * rejected/retried/skipped/codecMismatch/rewinds/resentAcked/resentAckedLastOutage/probes/
 * paced/position/backlog}.
 *
 * <h2>Inside</h2>
 *
 * <p>{@code MqttLink} is a facade over package-private parts, one per thread or concern: {@code
 * Connection} (event-loop state, reconnect with the core's {@link io.runnel.spi.Backoff}, equal
 * jitter) over {@code Transport} (the HiveMQ client, MQTT 3.1.1/5, credentials, TLS); {@code
 * LiveSender} and {@code InboundRoutes} with its {@code Subscription}s, each handing over through a
 * {@code io.runnel.spi.DropQueue} (bounded in messages and bytes); {@code HistoryRoute} behind the
 * narrow {@code RouteLink}, reading through the store's {@code HistoryReader}, with its {@code
 * ConfirmationGate} (the rule above) and its {@code Pacer} (the rate); {@code
 * io.runnel.spi.ErrorLog} (last error, rate-limited log), and {@code Lifecycle}. Arguments are
 * checked with the core's {@link io.runnel.spi.Checks}, so the messages match every other builder.
 */
package io.runnel.mqtt;
