package io.runnel.internal.runtime;

import io.runnel.Runnel;
import io.runnel.buffer.Reader;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicInteger;

/** A reader handed out by {@link Runnel#subscribe}: counts as a consumer until closed. */
final class OutsideReader<T> implements Reader<T> {
  private final Reader<T> delegate;
  private final AtomicInteger consumers;
  private boolean counted = true;

  OutsideReader(Reader<T> delegate, AtomicInteger consumers) {
    this.delegate = delegate;
    this.consumers = consumers;
  }

  @Override
  public T recv() throws InterruptedException {
    return delegate.recv();
  }

  @Override
  public T recv(Duration timeout) throws InterruptedException {
    return delegate.recv(timeout);
  }

  @Override
  public T tryRecv() {
    return delegate.tryRecv();
  }

  @Override
  public long received() {
    return delegate.received();
  }

  @Override
  public long missed() {
    return delegate.missed();
  }

  @Override
  public boolean isClosed() {
    return delegate.isClosed();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (counted) {
        counted = false;
        consumers.decrementAndGet();
      }
    }
    delegate.close();
  }

  @Override
  public Iterator<T> iterator() {
    return delegate.iterator();
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
