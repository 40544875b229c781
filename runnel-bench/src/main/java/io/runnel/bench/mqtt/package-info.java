/**
 * The MQTT client footprint probe (issue 15): one small program that connects one MQTT client
 * library to a broker, subscribes to one topic and publishes small JSON messages at QoS 1 at a
 * fixed rate, then flat out, so that resident memory, class count and start-up can be compared
 * between client libraries on the same JVM and flags with nothing else loaded. {@link
 * io.runnel.bench.mqtt.MqttClientProbe} is the program; each client sits behind {@link
 * io.runnel.bench.mqtt.ProbeClient}, loaded by name so that a run loads one library only. Run by
 * {@code docs/bench/mqtt-clients.sh}; the figures are in {@code docs/BENCHMARKS.md}.
 */
package io.runnel.bench.mqtt;
