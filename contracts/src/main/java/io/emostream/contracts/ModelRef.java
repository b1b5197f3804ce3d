package io.emostream.contracts;

import java.util.Objects;

/** The name and version of the model that produced a score, as declared in its manifest. */
public record ModelRef(String name, String version) {

    public ModelRef {
        Objects.requireNonNull(name, "model name");
        Objects.requireNonNull(version, "model version");
    }

    @Override
    public String toString() {
        return name + ':' + version;
    }
}
