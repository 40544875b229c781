package io.runnel.internal.runtime;

import io.runnel.Latest;
import io.runnel.Tap;
import io.runnel.Transform;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import java.util.function.Function;

/**
 * The loops Runnel runs for the per-value task shapes ({@link Transform}, {@link Tap}, {@link
 * Join#onLatest}): receive, apply, produce; a lag is counted and logged, a value whose callback
 * throws is counted and skipped. Each runs on its task's thread.
 */
final class TaskBodies {
  private TaskBodies() {}

  static <I, O> void runTransform(
      TaskContext ctx, String inId, Reader<I> in, Transform<I, ? extends O> fn, Producer<O> out)
      throws InterruptedException {
    TaskRunner runner = ctx.runner();
    for (; ; ) {
      I value;
      try {
        value = in.recv();
      } catch (LaggedException e) {
        runner.lagged(inId, e.missed());
        continue;
      }
      O result;
      try {
        result = fn.apply(value);
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        runner.valueFailed(e, value);
        continue;
      }
      if (result != null) {
        out.produce(result);
      }
    }
  }

  static <O> void runLatestJoin(
      TaskContext ctx, JoinRunner join, Function<Latest, ? extends O> fn, Producer<O> out)
      throws InterruptedException {
    TaskRunner runner = ctx.runner();
    join.runner(runner);
    for (; ; ) {
      join.next();
      if (!join.complete()) {
        continue;
      }
      O result;
      try {
        result = fn.apply(join);
      } catch (RuntimeException e) {
        runner.valueFailed(e, join.changed() + " changed");
        continue;
      }
      if (result != null) {
        out.produce(result);
      }
    }
  }

  static <T> void runTap(TaskContext ctx, String id, Reader<T> in, Tap<T> tap)
      throws InterruptedException {
    TaskRunner runner = ctx.runner();
    for (; ; ) {
      T value;
      try {
        value = in.recv();
      } catch (LaggedException e) {
        runner.lagged(id, e.missed());
        continue;
      }
      try {
        tap.accept(ctx, value);
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        runner.valueFailed(e, value);
      }
    }
  }
}
