package io.runnel.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MailboxTest {

  @Test
  void aNewReaderSeesThePendingValue() throws Exception {
    Buffer<String> mailbox = BufferSpec.mailbox().create("cmd");
    mailbox.produce("go");
    Reader<String> reader = mailbox.subscribe();
    assertThat(reader.recv()).isEqualTo("go");
  }

  @Test
  void anOverwrittenValueCountsAsDropped() throws Exception {
    Buffer<String> mailbox = BufferSpec.mailbox().create("cmd");
    Reader<String> reader = mailbox.subscribe();
    mailbox.produce("a");
    mailbox.produce("b");
    assertThat(reader.recv()).isEqualTo("b");
    assertThat(reader.tryRecv()).isNull();
    assertThat(mailbox.dropped()).isEqualTo(1);
    assertThat(mailbox.produced()).isEqualTo(2);
  }

  @Test
  void eachValueIsTakenByExactlyOneReader() throws Exception {
    Buffer<Integer> mailbox = BufferSpec.mailbox().create("cmd");
    int readers = 4;
    int n = 200_000;
    var executor = Executors.newVirtualThreadPerTaskExecutor();
    List<CompletableFuture<List<Integer>>> takers = new ArrayList<>();
    for (int r = 0; r < readers; r++) {
      Reader<Integer> reader = mailbox.subscribe();
      takers.add(CompletableFuture.supplyAsync(() -> reader.stream().toList(), executor));
    }
    for (int i = 0; i < n; i++) {
      mailbox.produce(i);
    }
    mailbox.close();
    Set<Integer> taken = new HashSet<>();
    long total = 0;
    for (CompletableFuture<List<Integer>> f : takers) {
      List<Integer> got = f.get(20, TimeUnit.SECONDS);
      total += got.size();
      taken.addAll(got);
    }
    assertThat(taken).hasSize((int) total); // nobody took a value twice
    assertThat(total + mailbox.dropped()).isEqualTo(n); // every value taken or counted as dropped
    assertThat(mailbox.delivered()).isEqualTo(total);
    executor.close();
  }
}
