package io.runnel.spi;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Whether a host a connector is configured with is on this machine, by its text alone: the rule
 * every connector applies before it lets credentials travel over a plain connection (loopback:
 * allowed, with a warning; elsewhere: refused unless the user allows it).
 */
public final class Loopback {

  private Loopback() {}

  /**
   * Whether {@code host} is {@code localhost} (or {@code localhost.}), an IPv4 literal in
   * 127.0.0.0/8 or the IPv6 loopback literal (bracketed or not). Never looks a name up: a name may
   * resolve anywhere, so it is not assumed loopback; a malformed literal is not loopback.
   */
  public static boolean isLoopback(String host) {
    if (host == null || host.isEmpty()) {
      return false;
    }
    String h =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost") || h.equalsIgnoreCase("localhost.")) {
      return true;
    }
    if (h.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      for (String octet : h.split("\\.")) {
        if (Integer.parseInt(octet) > 255) {
          return false; // else InetAddress would take it for a name and look it up
        }
      }
      return h.startsWith("127.");
    }
    if (!h.contains(":") || !h.matches("[0-9A-Fa-f:.%a-zA-Z]+")) {
      return false; // a name, or not an address
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress(); // an IPv6 literal: parsed, no lookup
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
