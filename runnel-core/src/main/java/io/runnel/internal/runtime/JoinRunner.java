package io.runnel.internal.runtime;

import io.runnel.JoinInput;
import io.runnel.JoinInputs;
import io.runnel.Latest;
import io.runnel.buffer.Buffer;
import io.runnel.buffer.EndOfStreamException;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Reader;
import io.runnel.buffer.ReaderGroup;
import io.runnel.internal.graph.JoinHandle;
import java.util.List;

/**
 * The inputs of one join: a reader per input sharing one wake-up signal, polled round-robin so no
 * input starves another, and the latest value of each. Allocates nothing per value.
 */
final class JoinRunner implements JoinInputs, Latest {
  private final String outputId;
  private final ReaderGroup group = new ReaderGroup();
  private final Reader<?>[] readers;
  private final JoinInput<?>[] handles;
  private final Object[] latest;
  private final boolean[] ended;
  private int present;
  private int cursor;
  private JoinInput<?> changed;
  private TaskRunner runner;

  /** {@code handles} are those the registration handed out, in input order. */
  JoinRunner(String outputId, List<JoinInput<?>> inputs, List<Buffer<?>> buffers) {
    this.outputId = outputId;
    int n = inputs.size();
    readers = new Reader<?>[n];
    handles = inputs.toArray(new JoinInput<?>[0]);
    latest = new Object[n];
    ended = new boolean[n];
    for (int i = 0; i < n; i++) {
      readers[i] = group.subscribe(buffers.get(i));
    }
  }

  void runner(TaskRunner runner) {
    this.runner = runner;
  }

  @Override
  public JoinInput<?> next() throws InterruptedException {
    for (; ; ) {
      int n = readers.length;
      boolean anyLive = false;
      for (int k = 0; k < n; k++) {
        int i = (cursor + k) % n;
        if (ended[i]) {
          continue;
        }
        anyLive = true;
        try {
          Object value = readers[i].tryRecv();
          if (value != null) {
            if (latest[i] == null) {
              present++;
            }
            latest[i] = value;
            cursor = i + 1;
            changed = handles[i];
            return handles[i];
          }
        } catch (LaggedException e) {
          if (runner != null) {
            runner.lagged(handles[i].key().id(), e.missed());
          }
        } catch (EndOfStreamException e) {
          ended[i] = true;
        }
      }
      if (!anyLive) {
        throw new EndOfStreamException("all inputs of the join writing " + outputId);
      }
      group.await();
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <I> I latest(JoinInput<I> input) {
    int i = input instanceof JoinHandle<?> h ? h.index() : -1;
    if (i < 0 || i >= handles.length || handles[i] != input) {
      throw new IllegalArgumentException(
          input + " is not an input of the join writing '" + outputId + "'");
    }
    return (I) latest[i];
  }

  @Override
  public <I> I get(JoinInput<I> input) {
    return latest(input);
  }

  @Override
  public JoinInput<?> changed() {
    return changed;
  }

  @Override
  public boolean complete() {
    return present == readers.length;
  }

  void close() {
    group.close();
  }
}
