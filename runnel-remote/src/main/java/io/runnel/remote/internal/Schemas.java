package io.runnel.remote.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JSON Schemas (draft 2020-12) of record types, generated once per type with victools'
 * jsonschema-generator: fields as properties, java.time types as strings with their formats (the
 * server renders them as ISO-8601 strings).
 */
final class Schemas {
  private final SchemaGenerator generator =
      new SchemaGenerator(
          new SchemaGeneratorConfigBuilder(SchemaVersion.DRAFT_2020_12, OptionPreset.PLAIN_JSON)
              .with(Option.ADDITIONAL_FIXED_TYPES)
              .with(Option.EXTRA_OPEN_API_FORMAT_VALUES)
              .with(Option.FORBIDDEN_ADDITIONAL_PROPERTIES_BY_DEFAULT)
              .build());
  private final Map<Class<?>, JsonNode> cache = new ConcurrentHashMap<>();

  JsonNode of(Class<?> type) {
    return cache.computeIfAbsent(type, generator::generateSchema);
  }
}
