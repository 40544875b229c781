package io.runnel.internal.runtime;

import io.runnel.LaneSpec;
import io.runnel.Runnel;
import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Producer;
import io.runnel.internal.graph.RecordDef;
import io.runnel.internal.lane.Lane;
import io.runnel.spi.RecordHook;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One record at run time: its definition, buffer, writer and tap tasks, and its produce path (the
 * record's hooks see each value first, then the buffer takes it).
 *
 * <p>Threads: wired on the thread that calls {@code build()} or commits the change that adds it
 * (under the pipeline's lifecycle lock); the produce path runs on the writer's thread, or on
 * outside producers' threads serialised by {@link #produceLock}; counters are read by inspection.
 */
final class RecordNode<T> {
  private static final System.Logger LOG = System.getLogger(Runnel.class.getName());

  final RecordDef<T> def;
  final Buffer<T> buffer;
  TaskRunner writer;
  final List<TaskRunner> taps = new ArrayList<>();

  final AtomicInteger outsideReaders = new AtomicInteger();
  private volatile Producer<T> outsideProducer;

  /** Serialises outside producers, and closing a passive record against them. */
  final ReentrantLock produceLock = new ReentrantLock();

  RecordNode(RecordDef<T> def, BufferSpec defaultBuffer) {
    this.def = def;
    BufferSpec spec = def.buffer != null ? def.buffer : defaultBuffer;
    this.buffer = spec.create(def.id);
  }

  /**
   * The producer a writer task gets: the record's hooks see each value first, then the buffer takes
   * it; on a cooperative lane each produce is also a yield point.
   */
  Producer<T> producerFor(Lane lane) {
    Producer<T> out = hooked();
    if (lane.spec.kind() != LaneSpec.Kind.COOPERATIVE) {
      return out;
    }
    return value -> {
      out.produce(value);
      Lane.yieldPoint(lane);
    };
  }

  /** The record's buffer, behind its hooks (if any). */
  @SuppressWarnings("unchecked")
  Producer<T> hooked() {
    Buffer<T> buffer = this.buffer;
    List<RecordHook<? super T>> hooks = def.hooks;
    return switch (hooks.size()) {
      case 0 -> buffer;
      case 1 -> {
        RecordHook<? super T> hook = hooks.get(0);
        yield value -> {
          if (buffer.isClosed()) {
            buffer.produce(value); // throws: a closed record persists nothing either
          }
          hook.produced(value);
          buffer.produce(value);
        };
      }
      default -> {
        RecordHook<? super T>[] all = hooks.toArray(new RecordHook[0]);
        yield value -> {
          if (buffer.isClosed()) {
            buffer.produce(value); // throws: a closed record persists nothing either
          }
          for (RecordHook<? super T> h : all) {
            h.produced(value);
          }
          buffer.produce(value);
        };
      }
    };
  }

  /**
   * The producer for outside threads: serialised by {@link #produceLock} (a lock, not {@code
   * synchronized}, so a virtual thread does not pin its carrier here). Created once.
   */
  synchronized Producer<T> outsideProducer() {
    if (outsideProducer == null) {
      Producer<T> out = hooked();
      ReentrantLock lock = produceLock;
      outsideProducer =
          value -> {
            lock.lock();
            try {
              out.produce(value);
            } finally {
              lock.unlock();
            }
          };
    }
    return outsideProducer;
  }

  /** Whether anything produces into this record (its writer, or an outside producer). */
  boolean hasProducer() {
    return writer != null || outsideProducer != null;
  }

  /** Closes the buffer of a passive record so that no outside produce straddles the close. */
  void closeAgainstOutsideProducers() {
    produceLock.lock();
    try {
      buffer.close();
    } finally {
      produceLock.unlock();
    }
  }

  /**
   * Puts the value the record's hooks restore (e.g. from history) in its buffer; the first hook
   * that restores one wins. A failing hook is logged and the record starts empty.
   */
  void restore(String pipeline) {
    for (RecordHook<? super T> hook : def.hooks) {
      Object restored;
      try {
        restored = hook.restore();
      } catch (Exception e) {
        LOG.log(
            System.Logger.Level.WARNING,
            hookPrefix(pipeline, hook)
                + "could not restore a value; the record starts empty: "
                + e);
        continue;
      }
      if (restored == null) {
        continue;
      }
      if (!def.type.isInstance(restored)) {
        LOG.log(
            System.Logger.Level.WARNING,
            hookPrefix(pipeline, hook)
                + "restored a "
                + restored.getClass().getName()
                + ", not a "
                + def.type.getName()
                + "; ignored");
        continue;
      }
      produceLock.lock(); // an outside producer may already be at work
      try {
        buffer.produce(def.type.cast(restored));
      } finally {
        produceLock.unlock();
      }
      return; // the first hook that restores a value wins
    }
  }

  /** Every hook's counters, as {@code <hook>.<counter>}. */
  Map<String, Long> hookCounters() {
    if (def.hooks.isEmpty()) {
      return Map.of();
    }
    Map<String, Long> all = new java.util.TreeMap<>();
    for (RecordHook<?> hook : def.hooks) {
      String prefix = RecordDef.hookName(hook) + ".";
      try {
        hook.counters().forEach((k, v) -> all.put(prefix + k, v));
      } catch (RuntimeException e) {
        all.put(prefix + "countersFailed", 1L);
      }
    }
    return all;
  }

  /** "[pipeline] record 'key': hook 'name' " for log lines about a hook. */
  private String hookPrefix(String pipeline, RecordHook<?> hook) {
    return "[" + pipeline + "] record '" + def.id + "': hook '" + RecordDef.hookName(hook) + "' ";
  }

  /** Closes every hook; a failing one is logged. */
  void closeHooks(String pipeline) {
    for (RecordHook<?> hook : def.hooks) {
      try {
        hook.close();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, hookPrefix(pipeline, hook) + "close failed", e);
      }
    }
  }
}
