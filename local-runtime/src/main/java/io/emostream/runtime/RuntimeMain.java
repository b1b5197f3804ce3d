package io.emostream.runtime;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Command line of the local runtime.
 *
 * <pre>
 *   up      [--foreground] [--services all|none|a,b] [options]  start (in the background unless --foreground)
 *   down                                                         stop everything, wait until stopped
 *   status                                                       print state and service health
 *   analyze [files…] [--serve] [--timeout S]                     run recordings through the platform, print results
 *   scale SERVICE N                                              run N instances of a service (replicas)
 *   kafka|postgres stop|start|restart                            stop or start the broker or the database
 * options: --home DIR --kafka-port N --controller-port N --postgres-port N --partitions N --port-offset N
 * </pre>
 */
public final class RuntimeMain {

    private RuntimeMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
            System.exit(2);
        }
        RuntimeSettings settings = RuntimeSettings.fromEnv(System.getenv());
        if (args[0].equals("analyze")) {
            int code;
            try {
                code = new AnalyzeCommand(settings).run(List.of(args).subList(1, args.length), List.of());
            } catch (Exception e) {
                // a person reads this: what went wrong, not a stack trace (the services' logs have the details)
                System.err.println("analyze stopped: "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + " (logs in "
                        + settings.logs() + ")");
                code = 1;
            }
            System.exit(code);
        }
        if (CONTROL_ARGS.containsKey(args[0])) {
            System.exit(control(settings, args));
        }
        List<ServiceSpec> services = ServiceSpec.ALL;
        boolean foreground = false;
        List<String> passThrough = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--foreground" -> foreground = true;
                case "--services" -> {
                    String v = args[++i];
                    services = parseServices(v);
                    passThrough.add(a);
                    passThrough.add(v);
                }
                default -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("option " + a + " needs a value");
                    }
                    settings = settings.with(a, args[++i]);
                    passThrough.add(a);
                    passThrough.add(args[i]);
                }
            }
        }
        int code = switch (args[0]) {
            case "up" -> foreground ? runForeground(settings, services) : upInBackground(settings, passThrough);
            case "supervise" -> runForeground(settings, services);
            case "down" -> down(settings);
            case "status" -> status(settings);
            default -> {
                usage();
                yield 2;
            }
        };
        System.exit(code);
    }

    /** Requests to the running supervisor, with how many arguments each takes before the options. */
    private static final java.util.Map<String, Integer> CONTROL_ARGS =
            java.util.Map.of("scale", 2, "kafka", 1, "postgres", 1);

    /** {@code scale SERVICE N}, {@code kafka|postgres stop|start|restart}: sent to the running supervisor. */
    private static int control(RuntimeSettings settings, String[] args) throws Exception {
        int n = CONTROL_ARGS.get(args[0]);
        if (args.length < 1 + n) {
            usage();
            return 2;
        }
        for (int i = 1 + n; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value");
            }
            settings = settings.with(args[i], args[i + 1]);
        }
        Optional<RuntimeState> s = RuntimeState.read(settings.home());
        if (s.isEmpty() || !s.get().supervisorAlive()) {
            System.err.println("EmoStream is not running");
            return 3;
        }
        String command = String.join(" ", List.of(args).subList(0, 1 + n));
        try {
            System.out.println(Control.send(settings.home(), command, Duration.ofMinutes(5)));
            return 0;
        } catch (IllegalStateException e) {
            System.err.println(command + " failed: " + e.getMessage());
            return 1;
        }
    }

    static List<ServiceSpec> parseServices(String v) {
        if (v.equals("all")) {
            return ServiceSpec.ALL;
        }
        if (v.equals("none") || v.isBlank()) {
            return List.of();
        }
        List<String> names = List.of(v.split(","));
        names.forEach(ServiceSpec::named); // fails on an unknown name
        // keep the canonical start order whatever order was given
        return ServiceSpec.ALL.stream().filter(s -> names.contains(s.name())).toList();
    }

    private static int runForeground(RuntimeSettings settings, List<ServiceSpec> services) throws Exception {
        new Supervisor(settings, services).runUntilStopped();
        return 0;
    }

    /** Starts a detached supervisor (own session, so Ctrl-C here does not reach it) and waits until it is ready. */
    static int upInBackground(RuntimeSettings settings, List<String> options) throws Exception {
        Optional<RuntimeState> current = RuntimeState.read(settings.home());
        if (current.isPresent() && current.get().supervisorAlive()) {
            System.out.println("EmoStream is already running (pid "
                    + current.get().pid() + ", " + current.get().state() + ")");
            printStatus(current.get(), settings);
            return RuntimeState.READY.equals(current.get().state()) ? 0 : 1;
        }
        Files.createDirectories(settings.logs());
        Files.deleteIfExists(RuntimeState.file(settings.home())); // stale: its supervisor is gone
        Path log = settings.logs().resolve("supervisor.log");
        List<String> cmd = new ArrayList<>(List.of(
                "setsid",
                ChildProcesses.javaBin(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                RuntimeMain.class.getName(),
                "supervise"));
        cmd.addAll(options);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("EMOSTREAM_REPO", settings.repo().toString());
        pb.environment().put("EMOSTREAM_HOME", settings.home().toString());
        Process p = pb.start();
        System.out.println("starting EmoStream (log: " + log + ")");
        long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
        String lastMessage = "";
        while (System.nanoTime() < deadline) {
            Thread.sleep(300);
            Optional<RuntimeState> s = RuntimeState.read(settings.home());
            if (s.isPresent()) {
                RuntimeState st = s.get();
                if (st.message() != null && !st.message().equals(lastMessage)) {
                    System.out.println("  " + st.message());
                    lastMessage = st.message();
                }
                if (RuntimeState.READY.equals(st.state())) {
                    printStatus(st, settings);
                    return 0;
                }
                if (RuntimeState.FAILED.equals(st.state()) || RuntimeState.STOPPED.equals(st.state())) {
                    System.err.println("EmoStream failed to start: " + st.message() + " (see " + log + ")");
                    return 1;
                }
            }
            if (!p.isAlive()) {
                System.err.println("EmoStream supervisor exited with " + p.exitValue() + "; see " + log);
                return 1;
            }
        }
        System.err.println("EmoStream did not become ready in time; see " + log);
        return 1;
    }

    private static int down(RuntimeSettings settings) {
        return stop(settings);
    }

    /** Stops the supervisor of {@code settings.home()} (and with it everything) and waits until it is gone. */
    static int stop(RuntimeSettings settings) {
        Optional<RuntimeState> s = RuntimeState.read(settings.home());
        if (s.isEmpty() || !s.get().supervisorAlive()) {
            System.out.println("EmoStream is not running");
            return 0;
        }
        ProcessHandle h = ProcessHandle.of(s.get().pid()).orElseThrow();
        System.out.println("stopping EmoStream (pid " + h.pid() + ")");
        h.destroy();
        try {
            h.onExit().get(120, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            System.err.println("supervisor did not stop in 120 s; killing it (its children exit on their own)");
            h.destroyForcibly();
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            Thread.currentThread().interrupt();
        }
        System.out.println("stopped");
        return 0;
    }

    private static int status(RuntimeSettings settings) {
        Optional<RuntimeState> s = RuntimeState.read(settings.home());
        if (s.isEmpty() || !s.get().supervisorAlive()) {
            System.out.println("EmoStream is not running");
            return 3;
        }
        printStatus(s.get(), settings);
        return RuntimeState.READY.equals(s.get().state()) ? 0 : 1;
    }

    static void printStatus(RuntimeState s, RuntimeSettings settings) {
        System.out.println();
        System.out.printf("  %-10s %-46s %s%n", "component", "address", "state");
        System.out.printf(
                "  %-10s %-46s %s%n", "kafka", s.kafkaBootstrapServers(), s.kafkaPid() == 0 ? "STOPPED" : "up");
        System.out.printf("  %-10s %-46s %s%n", "postgres", s.jdbcUrl(), s.postgresPid() == 0 ? "STOPPED" : "up");
        for (RuntimeState.Service svc : s.services()) {
            boolean ready = ServiceProcess.isReady(svc.url());
            String name = svc.instance() == 0 ? svc.name() : svc.name() + "-" + (svc.instance() + 1);
            System.out.printf("  %-10s %-46s %s%n", name, svc.url(), ready ? "ready" : "NOT READY");
        }
        s.services().stream()
                .filter(svc -> svc.name().equals("reporting"))
                .findFirst()
                .ifPresent(r -> {
                    System.out.println();
                    System.out.println("  Console: " + consoleUrl(r.url(), "", settings));
                });
        System.out.println();
    }

    /**
     * The web console's address on this platform. Like a notebook server's token link, it carries the local API key
     * in its fragment (never sent to a server; the page moves it to session storage and out of the address bar).
     */
    static String consoleUrl(String reportingUrl, String page, RuntimeSettings settings) {
        return reportingUrl + "/console/" + page + "#key=" + settings.apiKey();
    }

    private static void usage() {
        System.err.println("""
                usage: RuntimeMain up|down|status|scale|kafka|postgres [options]
                  up [--foreground] [--services all|none|ingest,inference,fusion,reporting]
                  scale SERVICE N                      run N instances of a service (1..4) on the running platform
                  kafka|postgres stop|start|restart    stop or start the broker or the database (same ports, data)
                  options: --home DIR --kafka-port N --controller-port N --postgres-port N --partitions N --port-offset N
                  (or EMOSTREAM_HOME, EMOSTREAM_KAFKA_PORT, EMOSTREAM_POSTGRES_PORT, EMOSTREAM_PARTITIONS,
                   EMOSTREAM_PORT_OFFSET)""");
    }
}
