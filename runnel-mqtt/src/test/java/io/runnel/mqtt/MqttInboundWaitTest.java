package io.runnel.mqtt;

import static io.runnel.mqtt.TestSupport.JSON;
import static io.runnel.mqtt.TestSupport.awaitStatus;
import static io.runnel.mqtt.TestSupport.counter;
import static io.runnel.mqtt.TestSupport.key;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.LaneSpec;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.Ticker;
import io.runnel.buffer.Reader;
import io.runnel.inspect.LaneInfo;
import io.runnel.inspect.TaskInfo;
import io.runnel.mqtt.TestSupport.Reading;
import io.runnel.testbed.Mosquitto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subscription's source waits only at Runnel waiting points: an idle topic is no watchdog report
 * on the default lane and does not keep a cooperative lane's slot.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MqttInboundWaitTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final RecordKey COMMANDS = key("inbound.commands");
  private static final RecordKey TICKS = key("inbound.ticks");

  @TempDir Path tmp;
  private Mosquitto broker;
  private Runnel runnel;

  @AfterEach
  void tearDown() {
    if (runnel != null) {
      runnel.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private MqttLink link() throws Exception {
    broker = TestSupport.mosquitto(tmp.resolve("broker"));
    return MqttLink.builder()
        .broker("127.0.0.1", broker.port())
        .reconnect(Duration.ofMillis(50), Duration.ofMillis(500))
        .build();
  }

  @Test
  void anIdleSubscriptionOnTheDefaultLaneIsNoWatchdogReport() throws Exception {
    MqttLink link = link();
    runnel =
        Runnel.builder()
            .connector(link)
            .configure(
                Reading.class,
                COMMANDS,
                c -> c.source(link.subscribe("idle/#", JSON, Qos.AT_LEAST_ONCE)))
            .build();
    Reader<Reading> in = runnel.subscribe(Reading.class, COMMANDS);
    runnel.start();
    awaitStatus(link, "subscribed", WAIT, s -> counter(s, "subscribed") == 1);
    Thread.sleep(1500); // three watchdog limits of an idle topic

    assertThat(runnel.inspect().lanes()).extracting(LaneInfo::watchdogReports).containsOnly(0L);
    assertThat(runnel.inspect().tasks()).extracting(TaskInfo::watchdogReports).containsOnly(0L);
    // and the source still works after idling
    try (TestClient pub = TestClient.connect(broker.port())) {
      pub.publish("idle/x", "{\"sensor\":\"late\",\"n\":1}");
    }
    assertThat(in.recv(WAIT)).isEqualTo(new Reading("late", 1));
  }

  @Test
  void anIdleSubscriptionLeavesACooperativeLaneToItsOtherTasks() throws Exception {
    MqttLink link = link();
    AtomicLong ticks = new AtomicLong();
    runnel =
        Runnel.builder()
            .connector(link)
            .lane("coop", LaneSpec.cooperative(4))
            .configure(
                Reading.class,
                COMMANDS,
                c -> c.lane("coop").source(link.subscribe("idle/#", JSON, Qos.AT_LEAST_ONCE)))
            .configure(
                Long.class,
                TICKS,
                c ->
                    c.lane("coop")
                        .source(
                            (ctx, out) -> {
                              Ticker t = ctx.ticker(Duration.ofMillis(10));
                              for (long i = 0; ; i++) {
                                t.await();
                                out.produce(i);
                                ticks.incrementAndGet();
                              }
                            }))
            .build();
    Reader<Reading> in = runnel.subscribe(Reading.class, COMMANDS);
    runnel.start();
    awaitStatus(link, "subscribed", WAIT, s -> counter(s, "subscribed") == 1);
    long before = ticks.get();
    Thread.sleep(1500);
    long during = ticks.get() - before;
    assertThat(during)
        .as("ticks on the shared cooperative lane in 1.5 s")
        .isGreaterThanOrEqualTo(50);

    try (TestClient pub = TestClient.connect(broker.port())) {
      pub.publish("idle/x", "{\"sensor\":\"coop\",\"n\":2}");
    }
    assertThat(in.recv(WAIT)).isEqualTo(new Reading("coop", 2));
  }
}
