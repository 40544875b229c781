package io.runnel.http;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Keeps at most the first few bytes of a response body (for error messages) and discards the rest,
 * so that a misbehaving server cannot make the sync hold a large body in memory. A 2xx body is
 * discarded entirely.
 */
final class SnippetBody implements HttpResponse.BodySubscriber<String> {
  private final int limit;
  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private final CompletableFuture<String> result = new CompletableFuture<>();

  private SnippetBody(int limit) {
    this.limit = limit;
  }

  static HttpResponse.BodySubscriber<String> of(int limit, HttpResponse.ResponseInfo info) {
    if (info.statusCode() >= 200 && info.statusCode() < 300) {
      return HttpResponse.BodySubscribers.replacing("");
    }
    return new SnippetBody(limit);
  }

  @Override
  public CompletionStage<String> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    subscription.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    for (ByteBuffer b : items) {
      int n = Math.min(b.remaining(), limit - kept.size());
      if (n > 0) {
        byte[] chunk = new byte[n];
        b.get(chunk);
        kept.write(chunk, 0, n);
      }
    }
  }

  @Override
  public void onError(Throwable throwable) {
    result.completeExceptionally(throwable);
  }

  @Override
  public void onComplete() {
    result.complete(kept.toString(StandardCharsets.UTF_8));
  }
}
