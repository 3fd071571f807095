package dev.orchard.internal.storage;

import java.io.Serializable;

/** One listed object: its full URI and size in bytes. */
public record StoredObject(String uri, long size) implements Serializable {}
