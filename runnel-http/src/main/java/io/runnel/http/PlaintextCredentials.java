package io.runnel.http;

import io.runnel.spi.Loopback;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Whether a sync's configuration sends credentials in clear text, and what to say about it. Judged
 * from the configuration alone: no host name is resolved (a build must not wait for DNS, and a
 * name's address can change later anyway).
 *
 * <ul>
 *   <li><b>A credential header</b> is one marked with {@link CloudSync.Builder#credentialHeader},
 *       or one whose name looks like a credential: {@code Authorization}, {@code
 *       Proxy-Authorization}, {@code Cookie}, and any name that (ignoring case, {@code -} and
 *       {@code _}) contains {@code auth}, {@code token}, {@code secret}, {@code passw}, {@code
 *       apikey}, {@code credential}, {@code session} or {@code cookie}, or ends in {@code key} (for
 *       example {@code X-API-Key}, {@code X-Auth-Token}, {@code Ocp-Apim-Subscription-Key}). A name
 *       guess errs on the side of refusing: the cost is one explicit opt-out.
 *   <li><b>Loopback</b> is the name {@code localhost}, an IPv4 literal in 127.0.0.0/8, or the IPv6
 *       literal {@code ::1} (or an IPv4-mapped loopback). Any other name counts as off loopback,
 *       even one that resolves to a loopback address.
 *   <li>Over {@code https} nothing is in clear text.
 * </ul>
 */
final class PlaintextCredentials {

  private static final Set<String> FRAGMENTS =
      Set.of("auth", "token", "secret", "passw", "apikey", "credential", "session", "cookie");

  private PlaintextCredentials() {}

  /** Whether {@code header} looks like it carries a credential (see the class comment). */
  static boolean looksLikeCredential(String header) {
    String n = header.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    if (n.endsWith("key")) {
      return true;
    }
    for (String f : FRAGMENTS) {
      if (n.contains(f)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code endpoint} is plain http. */
  static boolean isPlain(URI endpoint) {
    return "http".equalsIgnoreCase(endpoint.getScheme());
  }

  /** Whether {@code endpoint}'s host is a loopback address by its text alone. */
  static boolean isLoopback(URI endpoint) {
    return Loopback.isLoopback(endpoint.getHost());
  }

  /**
   * The credential headers among {@code headers} that would travel in clear text to {@code
   * endpoint} (loopback or not); empty over https.
   */
  static List<String> exposed(URI endpoint, Set<String> headers, Set<String> marked) {
    if (!isPlain(endpoint)) {
      return List.of();
    }
    return headers.stream()
        .filter(h -> looksLikeCredential(h) || containsIgnoreCase(marked, h))
        .sorted(String.CASE_INSENSITIVE_ORDER)
        .toList();
  }

  private static boolean containsIgnoreCase(Set<String> names, String name) {
    for (String n : names) {
      if (n.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /** Why {@code build()} refuses: plain http off loopback with credentials and no opt-out. */
  static String refusal(String sync, URI endpoint, List<String> headers) {
    return "cloud sync '"
        + sync
        + "': refusing to send credential header"
        + (headers.size() == 1 ? " " : "s ")
        + String.join(", ", headers)
        + " in clear text to "
        + endpoint
        + " (plain http, and not a loopback address): anyone on the network path can read and"
        + " reuse "
        + (headers.size() == 1 ? "it" : "them")
        + ". Use an https endpoint, or, if the path is protected otherwise (a VPN, a"
        + " TLS-terminating proxy on the device), call allowPlaintextCredentials() on the builder";
  }

  /** What {@code start()} logs once when credentials go in clear text (loopback, or opted out). */
  static String warning(String sync, URI endpoint, List<String> headers, boolean loopback) {
    return "cloud sync '"
        + sync
        + "': sends credential header"
        + (headers.size() == 1 ? " " : "s ")
        + String.join(", ", headers)
        + " in clear text to "
        + endpoint
        + (loopback
            ? " (plain http to a loopback address: it does not leave this machine, but any local"
                + " process on that port can read it); use https to avoid this"
            : " (plain http off loopback, allowed by allowPlaintextCredentials())");
  }
}
