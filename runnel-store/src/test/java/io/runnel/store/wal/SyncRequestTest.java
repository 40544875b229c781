package io.runnel.store.wal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SyncRequestTest {

  @Test
  void aRequestMadeWhileTheWriterResolvesAnEarlierOneIsNeverLost() {
    SyncRequest r = new SyncRequest();
    r.request(10); // sync() for a value that was dropped: it will never be written
    long observed = r.get(); // the writer reads the request, then drains nothing
    r.request(12); // meanwhile a producer appends 11 and 12 and calls sync()
    r.resolved(observed, 9); // the writer: nothing was queued, everything up to 9 is forced
    assertThat(r.get()).as("the request for 12 is still pending").isEqualTo(12);
  }

  @Test
  void aResolvedRequestIsCleared() {
    SyncRequest r = new SyncRequest();
    r.request(10);
    r.resolved(r.get(), 9);
    assertThat(r.get()).isEqualTo(9); // no longer above the durable sequence: not wanted
    r.request(5);
    assertThat(r.get()).isEqualTo(9);
  }
}
