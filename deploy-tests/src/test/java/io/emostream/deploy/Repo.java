package io.emostream.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository is: the deployment files live at its root, the tests in deploy-tests/. */
final class Repo {

    private Repo() {}

    static Path root() {
        String configured = System.getProperty("emostream.repo");
        Path p = (configured != null
                        ? Path.of(configured)
                        : Path.of("").toAbsolutePath().getParent())
                .normalize();
        if (!Files.isRegularFile(p.resolve("pom.xml")) || !Files.isDirectory(p.resolve("contracts"))) {
            throw new IllegalStateException("not the EmoStream repository root: " + p);
        }
        return p.toAbsolutePath();
    }

    static Path path(String relative) {
        return root().resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
