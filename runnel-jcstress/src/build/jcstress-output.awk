# Filters jcstress's console output (the run's status is kept by `bash -o pipefail`).
# jcstress 0.16 probes the target JVM with -XX:+UseBiasedLocking. Biased locking was removed in
# JDK 18, so on JDK 25 that probe JVM refuses to start and jcstress prints its three error lines
# under "[N/A] Checking for biased locking support": the expected answer, not a failure. Those
# three lines are replaced by one that says so; every other line passes unchanged.
/Checking for biased locking support/ && /N\/A/ {
  print
  print "      (expected: biased locking is gone since JDK 18; the probe JVM's 'Unrecognized VM option" \
        " UseBiasedLocking' error is hidden, it is not a test failure)"
  skip = 1
  fflush()
  next
}
skip && (/^Unrecognized VM option .UseBiasedLocking/ ||
         /^Error: Could not create the Java Virtual Machine\./ ||
         /^Error: A fatal exception has occurred\. Program will exit\./) { next }
{ skip = 0; print; fflush() }
