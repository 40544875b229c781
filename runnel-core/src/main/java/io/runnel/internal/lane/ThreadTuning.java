package io.runnel.internal.lane;

import io.runnel.Runnel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Best-effort CPU pinning and priority for dedicated-lane threads, without JNI: on Linux the
 * calling thread's kernel id comes from {@code /proc/thread-self}, and {@code taskset} / {@code
 * renice} (util-linux, present on practically every distribution) apply the settings. Anything that
 * does not work (another OS, a missing tool, no privilege) is logged once per lane as a warning and
 * the thread runs untuned: never a crash, never a silent no-op.
 */
final class ThreadTuning {
  private static final System.Logger LOG = System.getLogger(Runnel.class.getName());

  private ThreadTuning() {}

  static void apply(Lane lane, Activity activity) {
    int[] cpus = lane.spec.cpus();
    Integer nice = lane.spec.niceness();
    Integer fifo = lane.spec.realtimePriority();
    if (cpus.length == 0 && nice == null && fifo == null) {
      return;
    }
    String tid;
    try {
      tid = threadId();
    } catch (IOException | RuntimeException e) {
      warnOnce(
          lane,
          "cannot find the kernel thread id ("
              + e
              + "); CPU pinning and priority are not applied on this platform");
      return;
    }
    if (cpus.length > 0) {
      String list =
          Arrays.stream(cpus).mapToObj(Integer::toString).collect(Collectors.joining(","));
      run(lane, activity, List.of("taskset", "-p", "-c", list, tid), "pin to CPUs " + list);
    }
    if (nice != null) {
      run(
          lane,
          activity,
          List.of("renice", "-n", nice.toString(), "-p", tid),
          "set niceness " + nice);
    }
    if (fifo != null) {
      run(
          lane,
          activity,
          List.of("chrt", "-f", "-p", fifo.toString(), tid),
          "set real-time priority (SCHED_FIFO) " + fifo);
    }
  }

  /** The kernel id of the calling (platform) thread. */
  static String threadId() throws IOException {
    Path self = Files.readSymbolicLink(Path.of("/proc/thread-self")); // "<pid>/task/<tid>"
    return self.getFileName().toString();
  }

  private static void run(Lane lane, Activity activity, List<String> command, String what) {
    try {
      Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        warnOnce(
            lane,
            "could not "
                + what
                + " for "
                + activity.name
                + ": "
                + command.get(0)
                + " did not answer within 5 s");
        return;
      }
      String output = new String(p.getInputStream().readAllBytes()).trim();
      if (p.exitValue() != 0) {
        warnOnce(
            lane,
            "could not "
                + what
                + " for "
                + activity.name
                + ": "
                + String.join(" ", command)
                + " said: "
                + output);
      }
    } catch (IOException e) {
      warnOnce(lane, "could not " + what + " for " + activity.name + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void warnOnce(Lane lane, String message) {
    if (lane.tuningWarned.compareAndSet(false, true)) {
      LOG.log(
          System.Logger.Level.WARNING,
          "lane '" + lane.name + "' (" + lane.spec + "): " + message + " (warned once per lane)");
    }
    lane.tuningFailures.incrementAndGet();
  }
}
