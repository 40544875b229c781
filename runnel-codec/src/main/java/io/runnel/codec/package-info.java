/**
 * Codecs: how a record value becomes bytes where bytes leave memory (the history store, MQTT, HTTP,
 * Kafka) and back.
 *
 * <h2>Model</h2>
 *
 * <p>A {@link io.runnel.codec.Codec} is an immutable, thread-safe pair of functions plus an
 * identity: {@link io.runnel.codec.Codec#id()} is a 64-bit fingerprint of the codec and its schema
 * that travels with every encoded value (the store writes it into each entry), so a value is only
 * ever decoded by a codec with the same id; any other reader gets a {@link
 * io.runnel.codec.SchemaMismatchException} naming both schemas instead of garbage. Every failure to
 * encode or decode is a {@link io.runnel.codec.CodecException} whose message names the type and the
 * problem. The contract is checked for every implementation by {@code CodecContractTest}.
 *
 * <h2>Implementations</h2>
 *
 * <ul>
 *   <li>{@link io.runnel.codec.RecordCodec} ({@code Codec.forRecord(type)}): compact binary,
 *       derived from a Java record's components; needs nothing but the JDK.
 *   <li>{@link io.runnel.codec.JsonCodec} ({@code Codec.json(type)}): Jackson JSON, tolerant of
 *       added fields. Jackson is an <em>optional</em> dependency of this module: add {@code
 *       com.fasterxml.jackson.core:jackson-databind} to your build to use it (without it, {@code
 *       Codec.json} fails with {@link java.lang.NoClassDefFoundError}; nothing else needs it).
 *   <li>{@code Codec.bytes(id)}: raw bytes under a fixed id.
 *   <li>{@link io.runnel.codec.VersionedCodec} ({@code Codec.versioned(versions)}): the versions of
 *       a type declared with {@link io.runnel.codec.Versions} and the migrations between them;
 *       writes one version and reads every version of the chain, migrated, recognised by each
 *       version's own id. See {@code docs/decisions/022-versioned-types.md}.
 * </ul>
 *
 * <p>This module depends on nothing but the JDK (and, optionally, Jackson), so a live-only
 * connector needs neither the history store nor Jackson.
 */
package io.runnel.codec;
