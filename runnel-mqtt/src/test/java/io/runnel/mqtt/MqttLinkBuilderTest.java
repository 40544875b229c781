package io.runnel.mqtt;

import static io.runnel.mqtt.TestSupport.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.RecordKey;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The builder's contract, without a broker: immutable copies, defaults, validation messages. */
class MqttLinkBuilderTest {

  /** A self-signed CA certificate (EC P-256, valid until 2126), for {@code tlsTrust}. */
  private static final String CA_PEM =
      """
      -----BEGIN CERTIFICATE-----
      MIIBijCCAS+gAwIBAgIUbv9d4oU4iCJ5H/JwPPkfpRCH9oswCgYIKoZIzj0EAwIw
      GTEXMBUGA1UEAwwOcnVubmVsLXRlc3QtY2EwIBcNMjYxMjAxMDgwMTE1WhgPMjEy
      NjExMDcwODAxMTVaMBkxFzAVBgNVBAMMDnJ1bm5lbC10ZXN0LWNhMFkwEwYHKoZI
      zj0CAQYIKoZIzj0DAQcDQgAEUJ6+PW3XRcFg5vQwLBtpI6pV0fZJQECHPIuUxQGC
      gcPgOS1hZVeMFh+SUNoxLgsudpfUFDGUCzc9+FX6KAGK3KNTMFEwHQYDVR0OBBYE
      FL4LOXvu27SiuX1A9pG+45GeCcfTMB8GA1UdIwQYMBaAFL4LOXvu27SiuX1A9pG+
      45GeCcfTMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAPNb5BdI
      Lw5zmMT3K/DqJQz59rZp4oh+dtPpzAvmCqdlAiEAnX7gujAdcWyzU3KeXtrjN2n7
      1+JoGs8jA6fL2KIDbvk=
      -----END CERTIFICATE-----
      """;

  @TempDir Path tmp;

  private static MqttLink.Builder template() {
    return MqttLink.builder().broker("127.0.0.1", 1883);
  }

  /** Every option of the builder, keyed by its signature, with a value that is not the default. */
  private Map<String, UnaryOperator<MqttLink.Builder>> options() throws Exception {
    Path pem = Files.writeString(tmp.resolve("ca.pem"), CA_PEM, StandardCharsets.US_ASCII);
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init((KeyStore) null);
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(null, null);
    Map<String, UnaryOperator<MqttLink.Builder>> o = new LinkedHashMap<>();
    o.put("name(String)", b -> b.name("mqtt.other"));
    o.put("broker(String,int)", b -> b.broker("broker.example", 8883));
    o.put("version(int)", b -> b.version(3));
    o.put("clientId(String)", b -> b.clientId("device-1"));
    o.put("credentials(String,String)", b -> b.credentials("user", "secret"));
    o.put("allowPlaintextCredentials()", b -> b.allowPlaintextCredentials());
    o.put("tls()", b -> b.tls());
    o.put("tls(TrustManagerFactory)", b -> b.tls(trust));
    o.put("tls(TrustManagerFactory,KeyManagerFactory)", b -> b.tls(trust, keys));
    o.put("tlsTrust(Path)", b -> b.tlsTrust(pem));
    o.put(
        "reconnect(Duration,Duration)",
        b -> b.reconnect(Duration.ofSeconds(1), Duration.ofMinutes(1)));
    o.put("offlineQueue(int)", b -> b.offlineQueue(7));
    o.put("inboundQueue(int)", b -> b.inboundQueue(7));
    o.put("offlineQueueBytes(long)", b -> b.offlineQueueBytes(7));
    o.put("inboundQueueBytes(long)", b -> b.inboundQueueBytes(7));
    o.put("maxInflight(int)", b -> b.maxInflight(7));
    o.put("historyRate(int)", b -> b.historyRate(7));
    o.put("sessionExpiry(Duration)", b -> b.sessionExpiry(Duration.ofMinutes(7)));
    o.put("keepAlive(Duration)", b -> b.keepAlive(Duration.ofSeconds(7)));
    o.put("replayWindow(Duration)", b -> b.replayWindow(Duration.ofSeconds(7)));
    o.put("closeTimeout(Duration)", b -> b.closeTimeout(Duration.ofSeconds(7)));
    o.put("deadLetters(RecordKey)", b -> b.deadLetters(RecordKey.of("mqtt.dead")));
    return o;
  }

  @Test
  void everyOptionReturnsANewBuilderAndLeavesTheReceiverUnchanged() throws Exception {
    Map<String, UnaryOperator<MqttLink.Builder>> options = options();
    assertThat(options.keySet())
        .as("every option of MqttLink.Builder is covered here")
        .containsExactlyInAnyOrderElementsOf(builderOptions());
    MqttLink.Builder template = template();
    Map<String, Object> before = state(template);
    for (Map.Entry<String, UnaryOperator<MqttLink.Builder>> option : options.entrySet()) {
      MqttLink.Builder changed = option.getValue().apply(template);
      assertThat(changed).as(option.getKey()).isNotSameAs(template);
      assertThat(state(template))
          .as(option.getKey() + " left the receiver alone")
          .isEqualTo(before);
      assertThat(state(changed)).as(option.getKey() + " changed the copy").isNotEqualTo(before);
    }
  }

  @Test
  void aPartlyConfiguredBuilderIsATemplateForSeveralLinks() {
    MqttLink.Builder template = template().version(3).clientId("shared");
    MqttLink a = template.name("mqtt.a").clientId("device-a").build();
    MqttLink b = template.name("mqtt.b").build();
    MqttLink plain = template.build();
    assertThat(a.name()).isEqualTo("mqtt.a");
    assertThat(a.clientId()).isEqualTo("device-a");
    assertThat(b.name()).isEqualTo("mqtt.b");
    assertThat(b.clientId()).isEqualTo("shared");
    assertThat(plain.name()).isEqualTo("mqtt");
    assertThat(plain.toString()).contains("MQTT 3.1.1").doesNotContain("TLS");
    assertThat(template.tls().build().toString()).contains("TLS");
    assertThat(template.build().toString()).doesNotContain("TLS");
  }

  @Test
  void theNameDefaultsToTheConnectorKind() {
    MqttLink link = template().build();
    assertThat(link.name()).isEqualTo("mqtt");
    assertThat(link.status().kind()).isEqualTo("mqtt");
    assertThat(link.status().name()).isEqualTo("mqtt");
    assertThat(link.clientId()).startsWith("runnel-");
    assertThat(MqttLink.builder().name("mqtt.edge").broker("h", 1).build().name())
        .isEqualTo("mqtt.edge");
  }

  static Stream<Arguments> mistakes() {
    Duration s1 = Duration.ofSeconds(1);
    return Stream.of(
        npe("name", () -> MqttLink.builder().name(null)),
        iae("name must not be blank", () -> MqttLink.builder().name(" ")),
        npe("host", () -> template().broker(null, 1883)),
        iae("host must not be blank", () -> template().broker("", 1883)),
        iae("broker port must be 1..65535, got 0", () -> template().broker("h", 0)),
        iae("broker port must be 1..65535, got 65536", () -> template().broker("h", 65536)),
        iae("MQTT version must be 3 (3.1.1) or 5, got 4", () -> template().version(4)),
        npe("clientId", () -> template().clientId(null)),
        npe("username", () -> template().credentials(null, "p")),
        npe("caCertificatesPem", () -> template().tlsTrust(null)),
        npe("reconnectMin", () -> template().reconnect(null, s1)),
        npe("reconnectMax", () -> template().reconnect(s1, null)),
        iae(
            "reconnectMin must be positive, got PT0S",
            () -> template().reconnect(Duration.ZERO, s1)),
        iae(
            "reconnectMin must be positive, got PT-0.001S",
            () -> template().reconnect(Duration.ofMillis(-1), s1)),
        iae(
            "reconnectMin must not exceed reconnectMax, got PT2S > PT1S",
            () -> template().reconnect(Duration.ofSeconds(2), s1)),
        iae("offlineQueue must be positive, got 0", () -> template().offlineQueue(0)),
        iae("inboundQueue must be positive, got -1", () -> template().inboundQueue(-1)),
        iae("offlineQueueBytes must be positive, got 0", () -> template().offlineQueueBytes(0)),
        iae("inboundQueueBytes must be positive, got -1", () -> template().inboundQueueBytes(-1)),
        iae("maxInflight must be positive, got 0", () -> template().maxInflight(0)),
        iae("historyRate must not be negative, got -1", () -> template().historyRate(-1)),
        npe("sessionExpiry", () -> template().sessionExpiry(null)),
        iae(
            "sessionExpiry must not be negative, got PT-1S",
            () -> template().sessionExpiry(s1.negated())),
        iae(
            "sessionExpiry must not exceed the MQTT maximum, got PT1193046H28M16S >"
                + " PT1193046H28M15S",
            () -> template().sessionExpiry(Duration.ofSeconds(1L << 32))),
        npe("keepAlive", () -> template().keepAlive(null)),
        iae("keepAlive must not be negative, got PT-1S", () -> template().keepAlive(s1.negated())),
        iae(
            "keepAlive must not exceed the MQTT maximum, got PT18H12M16S > PT18H12M15S",
            () -> template().keepAlive(Duration.ofSeconds(65536))),
        npe("replayWindow", () -> template().replayWindow(null)),
        iae(
            "replayWindow must not be negative, got PT-0.001S",
            () -> template().replayWindow(Duration.ofMillis(-1))),
        npe("closeTimeout", () -> template().closeTimeout(null)),
        iae(
            "closeTimeout must not be negative, got PT-1S",
            () -> template().closeTimeout(s1.negated())),
        npe("deadLetters", () -> template().deadLetters(null)),
        Arguments.of(
            "link 'mqtt': broker(host, port) is required",
            (ThrowingCallable) () -> MqttLink.builder().build(),
            IllegalStateException.class),
        // the link's own methods use the same forms
        npe("codec", () -> template().build().publish(null, "t", Qos.AT_MOST_ONCE)),
        npe("topic", () -> template().build().publish(JSON, (String) null, Qos.AT_MOST_ONCE)),
        npe("qos", () -> template().build().publish(JSON, "t", null)),
        npe("topicFilter", () -> template().build().subscribe(null, JSON, Qos.AT_MOST_ONCE)),
        npe("codec", () -> template().build().subscribe("t/#", null, Qos.AT_MOST_ONCE)));
  }

  private static Arguments npe(String what, ThrowingCallable call) {
    return Arguments.of(what + " must not be null", call, NullPointerException.class);
  }

  private static Arguments iae(String message, ThrowingCallable call) {
    return Arguments.of(message, call, IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mistakes")
  void eachMistakeHasTheDocumentedMessage(
      String message, ThrowingCallable call, Class<? extends Throwable> type) {
    assertThatThrownBy(call).isExactlyInstanceOf(type).hasMessage(message);
  }

  @Test
  void anInvalidNameOrFilterSaysWhy() {
    assertThatThrownBy(() -> MqttLink.builder().name("two..dots"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("link name: ");
    assertThatThrownBy(() -> template().build().subscribe("a/#/b", JSON, Qos.AT_MOST_ONCE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("link 'mqtt': invalid topic filter 'a/#/b'");
  }

  /** The signatures of the builder's public options (its methods returning a builder). */
  private static java.util.Set<String> builderOptions() {
    return Arrays.stream(MqttLink.Builder.class.getDeclaredMethods())
        .filter(m -> Modifier.isPublic(m.getModifiers()))
        .filter(m -> m.getReturnType() == MqttLink.Builder.class)
        .map(MqttLinkBuilderTest::signature)
        .collect(Collectors.toSet());
  }

  private static String signature(Method m) {
    return m.getName()
        + Arrays.stream(m.getParameterTypes())
            .map(Class::getSimpleName)
            .collect(Collectors.joining(",", "(", ")"));
  }

  /** Every field of a builder, by name: what {@code build()} would see. */
  private static Map<String, Object> state(MqttLink.Builder b) throws IllegalAccessException {
    Map<String, Object> state = new TreeMap<>();
    for (Field f : MqttLink.Builder.class.getDeclaredFields()) {
      if (!Modifier.isStatic(f.getModifiers())) {
        f.setAccessible(true);
        state.put(f.getName(), f.get(b));
      }
    }
    return state;
  }
}
