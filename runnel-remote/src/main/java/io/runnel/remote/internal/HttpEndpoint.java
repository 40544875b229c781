package io.runnel.remote.internal;

import java.util.function.Supplier;

/** An extra HTTP GET route served beside {@code /v1} (e.g. {@code /metrics}). */
public record HttpEndpoint(String path, String contentType, Supplier<String> body) {}
