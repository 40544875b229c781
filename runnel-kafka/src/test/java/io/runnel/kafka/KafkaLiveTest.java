package io.runnel.kafka;

import static io.runnel.kafka.TestSupport.CODEC;
import static io.runnel.kafka.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.kafka.TestSupport.Reading;
import io.runnel.testbed.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Live values: key and headers (no sequence), topic computed per value. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KafkaLiveTest {
  private static final RecordKey LIVE = RecordKey.of("sensor.live");

  @Test
  void liveValuesCarryKeyNodeRecordAndSchemaButNoSequence() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String even = "live-even-" + System.nanoTime();
    String odd = "live-odd-" + System.nanoTime();
    List<Headers> headers = new CopyOnWriteArrayList<>();
    Set<Long> evens = ConcurrentHashMap.newKeySet();
    Set<Long> odds = ConcurrentHashMap.newKeySet();
    try (TestConsumer e =
            new TestConsumer(
                broker.bootstrap(),
                even,
                r -> {
                  headers.add(r.headers());
                  assertThat(new String(r.key(), StandardCharsets.UTF_8))
                      .isEqualTo("sensor.live@live-node");
                  evens.add(CODEC.decode(r.value()).n());
                });
        TestConsumer o =
            new TestConsumer(broker.bootstrap(), odd, r -> odds.add(CODEC.decode(r.value()).n()))) {
      KafkaLink link = KafkaLink.builder(broker.bootstrap(), "live-node").build();
      try (Runnel r =
          Runnel.builder()
              .name("live")
              .connector(link)
              .configure(
                  Reading.class,
                  LIVE,
                  rr ->
                      rr.external()
                          .tapTask("kafka", link.publish(CODEC, v -> v.n() % 2 == 0 ? even : odd)))
              .build()
              .start()) {
        for (int i = 0; i < 200; i++) {
          r.producer(Reading.class, LIVE).produce(new Reading("l", i, i));
        }
        await(
            "every live value on its topic",
            Duration.ofSeconds(30),
            () -> evens.size() == 100 && odds.size() == 100,
            link::status);
      }
      Headers h = headers.getFirst();
      assertThat(KafkaHeaders.node(h)).isEqualTo("live-node");
      assertThat(KafkaHeaders.text(h, KafkaHeaders.RECORD)).isEqualTo("sensor.live");
      assertThat(KafkaHeaders.schema(h)).hasValue(CODEC.id());
      assertThat(KafkaHeaders.sequence(h)).isEmpty();
      assertThat(evens).allMatch(n -> n % 2 == 0);
    }
  }
}
