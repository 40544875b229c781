package io.runnel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The builder: one style (immutable, copying), the common messages, credentials never in clear. */
class KafkaLinkBuilderTest {

  @Test
  void optionsReturnCopiesAndLeaveTheReceiverUnchanged() {
    KafkaLink.Builder b = KafkaLink.builder("127.0.0.1:9092", "node-1");
    KafkaLink.Builder named = b.name("kafka.cloud");
    assertThat(b.build().name()).isEqualTo("kafka");
    assertThat(named.build().name()).isEqualTo("kafka.cloud");
  }

  @Test
  void badArgumentsGetTheCommonMessages() {
    KafkaLink.Builder b = KafkaLink.builder("127.0.0.1:9092", "node-1");
    assertThatThrownBy(() -> b.maxInflight(0)).hasMessage("maxInflight must be positive, got 0");
    assertThatThrownBy(() -> b.closeTimeout(java.time.Duration.ofSeconds(-1)))
        .hasMessageContaining("closeTimeout must not be negative");
    assertThatThrownBy(() -> KafkaLink.builder("127.0.0.1", "n"))
        .hasMessageContaining("must be host:port");
    assertThatThrownBy(() -> KafkaLink.builder("127.0.0.1:9092", "a b"))
        .hasMessageContaining("nodeId 'a b'");
    assertThatThrownBy(() -> Topics.of("bad topic")).hasMessageContaining("invalid Kafka topic");
    assertThatThrownBy(() -> b.build().publishHistory(null, io.runnel.RecordKey.of("a"), "t", "c"))
        .hasMessage("store must not be null");
  }

  @Test
  void saslPlainWithoutTlsToARemoteBrokerIsRefusedNamingTheWaysOut() {
    KafkaLink.Builder b =
        KafkaLink.builder("kafka.example.com:9092,127.0.0.1:9092", "node-1")
            .saslPlain("alice", "s3cret-pw");
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("kafka.example.com:9092")
        .hasMessageContaining("tls()")
        .hasMessageContaining("allowPlaintextCredentials()")
        .message()
        .doesNotContain("s3cret-pw");
    assertThat(b.tls().build().toString()).contains("SASL_SSL").doesNotContain("s3cret-pw");
    assertThat(b.tlsTrust(Path.of("ca.pem")).build().toString()).contains("SASL_SSL");
    assertThat(b.allowPlaintextCredentials().build()).isNotNull();
  }

  @Test
  void saslPlainThroughRawPropertiesIsJudgedTheSame() {
    KafkaLink.Builder b =
        KafkaLink.builder("10.1.2.3:9092", "node-1")
            .property("security.protocol", "SASL_PLAINTEXT")
            .property("sasl.mechanism", "PLAIN")
            .property(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required"
                    + " username=\"a\" password=\"b\";");
    assertThatThrownBy(b::build).hasMessageContaining("over plain TCP");
    assertThat(b.property("security.protocol", "SASL_SSL").build()).isNotNull();
  }

  @Test
  void saslPlainToLoopbackIsAllowed() {
    assertThat(KafkaLink.builder("localhost:9092", "n").saslPlain("a", "b").build()).isNotNull();
    assertThat(KafkaLink.builder("127.0.0.1:9092", "n").saslPlain("a", "b").build()).isNotNull();
    assertThat(KafkaLink.builder("[::1]:9092", "n").saslPlain("a", "b").build()).isNotNull();
    // a name that may resolve anywhere is not assumed to be loopback
    assertThatThrownBy(() -> KafkaLink.builder("kafka:9092", "n").saslPlain("a", "b").build())
        .hasMessageContaining("over plain TCP");
  }

  @Test
  void theCompressionCodecsAreNotOnTheClassPath() {
    // the link runs without them: every other test of this module proves it
    for (String c :
        new String[] {
          "com.github.luben.zstd.Zstd", "net.jpountz.lz4.LZ4Factory", "org.xerial.snappy.Snappy"
        }) {
      assertThatThrownBy(() -> Class.forName(c)).isInstanceOf(ClassNotFoundException.class);
    }
  }
}
