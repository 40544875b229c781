package io.runnel.mqtt;

/** The MQTT delivery guarantee of one publication or subscription. */
public enum Qos {
  /** QoS 0: fire and forget; lost if the connection drops while it is on the way. */
  AT_MOST_ONCE,
  /**
   * QoS 1: the broker acknowledges each message (PUBACK); resent until acknowledged, so it may
   * arrive more than once.
   */
  AT_LEAST_ONCE
}
