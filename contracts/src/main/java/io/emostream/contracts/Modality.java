package io.emostream.contracts;

/** Which signal a score was computed from. */
public enum Modality {
    SPEECH,
    TEXT
}
