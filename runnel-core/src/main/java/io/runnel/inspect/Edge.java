package io.runnel.inspect;

/**
 * A directed edge between graph nodes. Node ids are {@code record:<key>} and {@code task:<task
 * id>}; a source task points to its record, a record to each task reading it, a transform or join
 * task to the record it writes.
 */
public record Edge(String from, String to) {}
