package io.emostream.contracts;

/** A JSON event with a schema version; readers reject versions newer than they know. */
public interface Versioned {

    int schemaVersion();
}
