package io.runnel.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class ErrorLogTest {

  private final ErrorLog log =
      new ErrorLog(
          System.getLogger("io.runnel.test"),
          "[test link] ",
          t -> t instanceof IllegalStateException ? " (check it)" : "");

  @Test
  void keepsTheLastErrorWithItsTimeAndTheUnwrappedCause() {
    assertThat(log.lastError()).isNull();
    log.report(
        "cannot connect to h:1",
        new CompletionException(new ExecutionException(new IllegalStateException("refused"))));
    assertThat(log.lastError())
        .matches(
            "\\d{4}-\\d\\d-\\d\\dT.* cannot connect to h:1: IllegalStateException: refused \\(check it\\)");
    log.report("lost", null);
    assertThat(log.lastError()).endsWith(" lost");
  }

  @Test
  void describesACauseWithoutMessageByItsClass() {
    assertThat(log.describe(new java.io.IOException())).isEqualTo("IOException");
  }
}
