package io.runnel.jcstress;

import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Reader;
import io.runnel.buffer.ReaderGroup;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A join's inputs: a {@link ReaderGroup} over two buffers (member 0 a ring of capacity 2, member 1
 * a single latest), and one member chosen at random for the other thread to act on. The group's one
 * signal is registered with both buffers, so a produce into (or a close of) either member must wake
 * a consumer waiting in {@code await}. Not a test; used by {@link GroupAwait} and {@link
 * RecvVsProduce.ExactlyOnce}. Used by one consumer thread.
 */
final class Join {
  final Buffer<Val>[] members = members();
  final ReaderGroup group = new ReaderGroup();
  final Reader<Val> r0 = group.subscribe(members[0]);
  final Reader<Val> r1 = group.subscribe(members[1]);
  final int target = ThreadLocalRandom.current().nextInt(2);

  /** Which member the last value of {@link #poll()} came from. */
  int from = -1;

  @SuppressWarnings("unchecked")
  private static Buffer<Val>[] members() {
    return new Buffer[] {
      BufferSpec.ring(2).create("join.ring"), BufferSpec.latest().create("join.latest")
    };
  }

  Buffer<Val> target() {
    return members[target];
  }

  /** Polls both members once ({@code tryRecv}): a value, or null. */
  Val poll() {
    Val v = r0.tryRecv();
    if (v != null) {
      from = 0;
      return v;
    }
    v = r1.tryRecv();
    if (v != null) {
      from = 1;
    }
    return v;
  }
}
