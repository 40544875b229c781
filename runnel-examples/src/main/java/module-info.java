/**
 * Runnable applications: the temperature demo, the sync gateway, the robot controller, the sensor
 * mesh.
 */
@SuppressWarnings("requires-automatic")
module io.runnel.examples {
  requires io.runnel.core;
  requires io.runnel.store;
  requires io.runnel.mqtt;
  // only the sensor mesh (Mesh, MeshNode) uses these: static, so the gateway's distribution
  // (scripts/dist.sh) leaves their jars out
  requires static io.runnel.kafka;
  requires static io.runnel.testbed;
  requires static kafka.clients;
  requires HdrHistogram;
  requires io.runnel.http;
  requires io.runnel.remote;
  requires io.runnel.metrics;
  requires io.runnel.dashboard;
  requires com.fasterxml.jackson.databind;
  requires info.picocli;
  requires jdk.httpserver;
  requires java.management;
  requires java.logging;
  requires jdk.management;

  opens io.runnel.examples to
      info.picocli,
      io.runnel.codec,
      com.fasterxml.jackson.databind;
}
