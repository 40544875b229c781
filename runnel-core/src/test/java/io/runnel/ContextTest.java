package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ContextTest {

  static final RecordKey KEY = RecordKey.of("test.context");

  @Test
  void contextGivesKeyNameTimeAndRunsOnVirtualThreads() throws Exception {
    CompletableFuture<Object[]> seen = new CompletableFuture<>();
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                KEY,
                r ->
                    r.source(
                        (ctx, out) -> {
                          long t0 = ctx.nanoTime();
                          ctx.sleep(Duration.ofMillis(20));
                          seen.complete(
                              new Object[] {
                                ctx.key().id(),
                                ctx.taskName(),
                                ctx.nanoTime() - t0,
                                ctx.now(),
                                Thread.currentThread().isVirtual()
                              });
                        }))
            .build()
            .start()) {
      Object[] s = seen.get(10, TimeUnit.SECONDS);
      assertThat(s[0]).isEqualTo("test.context");
      assertThat(s[1]).isEqualTo("test.context/source");
      assertThat((long) s[2]).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(20));
      assertThat((Instant) s[3]).isBetween(Instant.now().minusSeconds(60), Instant.now());
      assertThat(s[4]).isEqualTo(true);
    }
  }

  @Test
  void logMessagesAreTaggedWithKeyAndTask() throws Exception {
    Logger jul = Logger.getLogger("runnel.test.context");
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            records.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    jul.addHandler(handler);
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                KEY,
                r ->
                    r.source(
                        (ctx, out) -> {
                          ctx.log().log(System.Logger.Level.INFO, "hello {0}", "world");
                        }))
            .build()
            .start()) {
      runnel.awaitCompletion(Duration.ofSeconds(10));
    } finally {
      jul.removeHandler(handler);
    }
    assertThat(records)
        .anySatisfy(
            r -> {
              assertThat(r.getLoggerName()).isEqualTo("runnel.test.context");
              assertThat(r.getMessage()).isEqualTo("[test.context/source] hello world");
            });
  }

  @Test
  void spawnedChildrenRunAndAreInterruptedWithTheirParent() throws Exception {
    CompletableFuture<String> childResult = new CompletableFuture<>();
    CompletableFuture<Boolean> childInterrupted = new CompletableFuture<>();
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                KEY,
                r ->
                    r.source(
                        (ctx, out) -> {
                          TaskHandle quick =
                              ctx.spawn("quick", c -> childResult.complete(c.taskName()));
                          quick.join(Duration.ofSeconds(5));
                          ctx.spawn(
                              "forever",
                              c -> {
                                try {
                                  c.sleep(Duration.ofMinutes(5));
                                } catch (InterruptedException e) {
                                  childInterrupted.complete(true);
                                  throw e;
                                }
                              });
                          // the parent returns: its children are interrupted
                        }))
            .build()
            .start()) {
      assertThat(childResult.get(10, TimeUnit.SECONDS)).isEqualTo("test.context/source/quick");
      assertThat(childInterrupted.get(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aStoppingPipelineIsVisibleToTasks() throws Exception {
    CompletableFuture<Boolean> sawStopping = new CompletableFuture<>();
    Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                KEY,
                r ->
                    r.source(
                        (ctx, out) -> {
                          try {
                            ctx.sleep(Duration.ofMinutes(5));
                          } finally {
                            sawStopping.complete(ctx.isStopping());
                          }
                        }))
            .build()
            .start();
    Thread.sleep(50);
    runnel.close();
    assertThat(sawStopping.get(5, TimeUnit.SECONDS)).isTrue();
  }
}
