package io.emostream.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.util.Arrays;

/**
 * Makes a child JVM exit (running its shutdown hooks) when the supervisor that started it goes away, even after
 * a {@code kill -9} of the supervisor: the supervisor holds the write end of the child's stdin, and the kernel
 * closes it when the supervisor dies. Use as {@code -javaagent:local-runtime.jar} or as a main-class wrapper
 * ({@code ParentWatch <real-main-class> args…}).
 */
public final class ParentWatch {

    private ParentWatch() {}

    public static void premain(String args, Instrumentation instrumentation) {
        watchStdin();
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: ParentWatch <main-class> [args...]");
        }
        watchStdin();
        Class.forName(args[0]).getMethod("main", String[].class).invoke(null, (Object)
                Arrays.copyOfRange(args, 1, args.length));
    }

    static void watchStdin() {
        Thread t = new Thread(
                () -> {
                    InputStream in = System.in;
                    byte[] buf = new byte[64];
                    try {
                        while (in.read(buf) >= 0) {
                            // the supervisor never writes; any bytes are ignored
                        }
                    } catch (IOException ignored) {
                        // a broken pipe means the same as EOF
                    }
                    System.err.println("[parent-watch] supervisor is gone; shutting down");
                    System.exit(0);
                },
                "parent-watch");
        t.setDaemon(true);
        t.start();
    }
}
