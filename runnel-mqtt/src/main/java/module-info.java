/**
 * MQTT links: live taps and subscriptions, and publishing from history. The store is needed only
 * for {@code publishHistory}: it is an optional dependency, so a live-only link runs without it.
 */
module io.runnel.mqtt {
  requires transitive io.runnel.core;
  requires transitive io.runnel.codec;
  requires static io.runnel.store;
  requires com.hivemq.client.mqtt;

  exports io.runnel.mqtt;
}
