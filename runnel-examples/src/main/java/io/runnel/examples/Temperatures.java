package io.runnel.examples;

import io.runnel.RecordKey;
import java.time.Instant;

/** The records of the temperature demo: keys and types, declared once and shared by every node. */
public final class Temperatures {
  private Temperatures() {}

  /** The demo's record keys. */
  public enum Key implements RecordKey {
    INDOOR("sensor.temp.indoor"),
    OUTDOOR("sensor.temp.outdoor"),
    ALERT("alert.temp.indoor"),
    DIFFERENCE("derived.temp.difference"),
    THRESHOLD("config.alert.threshold");

    private final String id;

    Key(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }
  }

  /** One reading of a temperature sensor. */
  public record Reading(String sensor, double celsius, Instant at) {
    @Override
    public String toString() {
      return String.format("%s %.2f °C", sensor, celsius);
    }
  }

  /** Raised when the indoor temperature is above the threshold. */
  public record Alert(double celsius, double threshold, Instant at) {
    @Override
    public String toString() {
      return String.format("indoor %.2f °C > %.1f °C", celsius, threshold);
    }
  }

  /**
   * The indoor alert threshold: written from outside (the command line, {@code runnel cli set}).
   */
  public record Threshold(double celsius) {
    @Override
    public String toString() {
      return String.format("%.1f °C", celsius);
    }
  }

  /** Indoor minus outdoor, from the latest reading of each. */
  public record Difference(double kelvin, Instant at) {
    @Override
    public String toString() {
      return String.format("%+.2f K", kelvin);
    }
  }
}
