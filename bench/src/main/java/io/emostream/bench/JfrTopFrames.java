package io.emostream.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A JFR recording as a top-frames table, with the JDK's own reader ({@code jdk.jfr.consumer}, no dependency):
 * CPU samples ({@code jdk.ExecutionSample}: threads running Java code) by self frame, by stack prefix (the top
 * {@value #PREFIX_DEPTH} frames) and by method anywhere on the stack (inclusive), threads by name; native samples
 * ({@code jdk.NativeMethodSample}: threads inside a native method, running or blocked there, e.g. a libtorch
 * forward pass or an epoll wait) by top frame; allocation samples by weight; the JVM's CPU load and GC pauses.
 *
 * <pre>JfrTopFrames &lt;recording.jfr&gt; [out.txt]</pre>
 */
public final class JfrTopFrames {

    static final int TOP = 20;
    static final int PREFIX_DEPTH = 4;

    /** Native methods a thread blocks in while idle (selectors, socket reads, the parent-watch stdin read). */
    static final Set<String> WAITS = Set.of(
            "EPoll.wait",
            "FileInputStream.readBytes",
            "Net.poll",
            "SocketDispatcher.read0",
            "Unsafe.park",
            "Object.wait",
            "Thread.sleep");

    private final Map<String, Long> self = new HashMap<>();
    private final Map<String, Long> prefixes = new HashMap<>();
    private final Map<String, Long> inclusive = new HashMap<>();
    private final Map<String, Long> threads = new HashMap<>();
    private final Map<String, Long> nativeTop = new HashMap<>();
    private final Map<String, Long> nativeBusyThreads = new HashMap<>();
    private final Map<String, Long> allocations = new HashMap<>();
    private long execution;
    private long nativeSamples;
    private long nativeWaiting;
    private long allocationBytes;
    private double cpuUser;
    private double cpuSystem;
    private double machineTotal;
    private long cpuEvents;
    private long gcPauses;
    private double gcPauseMs;

    public static void main(String[] args) throws IOException {
        String table = table(Path.of(args[0]), args[0]);
        if (args.length > 1) {
            Files.writeString(Path.of(args[1]), table);
        }
        System.out.print(table);
    }

    /** Reads the recording and renders its table. */
    public static String table(Path recording, String title) throws IOException {
        JfrTopFrames t = new JfrTopFrames();
        try (RecordingFile f = new RecordingFile(recording)) {
            while (f.hasMoreEvents()) {
                t.accept(f.readEvent());
            }
        }
        return t.render(title);
    }

    private void accept(RecordedEvent e) {
        switch (e.getEventType().getName()) {
            case "jdk.ExecutionSample" -> {
                execution++;
                RecordedThread th = e.getThread("sampledThread");
                threads.merge(th == null ? "?" : threadGroup(th.getJavaName()), 1L, Long::sum);
                List<RecordedFrame> frames = frames(e.getStackTrace());
                if (frames.isEmpty()) {
                    return;
                }
                self.merge(name(frames.get(0), true), 1L, Long::sum);
                StringBuilder p = new StringBuilder();
                for (int i = 0; i < Math.min(PREFIX_DEPTH, frames.size()); i++) {
                    p.append(i == 0 ? "" : " < ").append(name(frames.get(i), false));
                }
                prefixes.merge(p.toString(), 1L, Long::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame fr : frames) {
                    String n = name(fr, false);
                    if (seen.add(n)) {
                        inclusive.merge(n, 1L, Long::sum);
                    }
                }
            }
            case "jdk.NativeMethodSample" -> {
                nativeSamples++;
                List<RecordedFrame> frames = frames(e.getStackTrace());
                if (!frames.isEmpty()) {
                    // the native method and its Java caller say what the thread is in: a forward pass or a wait
                    String caller = frames.size() > 1 ? " < " + name(frames.get(1), false) : "";
                    nativeTop.merge(name(frames.get(0), false) + caller, 1L, Long::sum);
                    if (WAITS.contains(name(frames.get(0), false))) {
                        nativeWaiting++;
                    } else {
                        RecordedThread th = e.getThread("sampledThread");
                        nativeBusyThreads.merge(th == null ? "?" : threadGroup(th.getJavaName()), 1L, Long::sum);
                    }
                }
            }
            case "jdk.ObjectAllocationSample" -> {
                long w = e.getLong("weight");
                allocationBytes += w;
                List<RecordedFrame> frames = frames(e.getStackTrace());
                String site = frames.isEmpty()
                        ? "?"
                        : name(frames.get(0), false) + (frames.size() > 1 ? " < " + name(frames.get(1), false) : "");
                String type = e.getClass("objectClass") == null
                        ? "?"
                        : e.getClass("objectClass").getName();
                allocations.merge(type + " @ " + site, w, Long::sum);
            }
            case "jdk.CPULoad" -> {
                cpuEvents++;
                cpuUser += e.getFloat("jvmUser");
                cpuSystem += e.getFloat("jvmSystem");
                machineTotal += e.getFloat("machineTotal");
            }
            case "jdk.GarbageCollection" -> {
                gcPauses++;
                gcPauseMs += e.getDuration("sumOfPauses").toNanos() / 1e6;
            }
            default -> {}
        }
    }

    private static List<RecordedFrame> frames(RecordedStackTrace st) {
        return st == null ? List.of() : st.getFrames();
    }

    /** {@code Class.method}, the class without its package for prefixes (they get long), with it for self frames. */
    private static String name(RecordedFrame f, boolean qualified) {
        if (f.getMethod() == null || f.getMethod().getType() == null) {
            return "?";
        }
        String type = f.getMethod().getType().getName();
        if (!qualified) {
            type = type.substring(type.lastIndexOf('.') + 1);
        }
        return type + "." + f.getMethod().getName();
    }

    /** Thread names without their numbers, so a pool's threads count as one ({@code executor-thread-#}). */
    static String threadGroup(String name) {
        return name == null
                ? "?"
                : name.replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "<uuid>").replaceAll("\\d+", "#");
    }

    private String render(String title) {
        StringWriter s = new StringWriter();
        PrintWriter o = new PrintWriter(s);
        o.printf(Locale.ROOT, "== %s%n", title);
        long all = execution + nativeSamples;
        o.printf(
                Locale.ROOT,
                "samples: %d Java (jdk.ExecutionSample), %d native (jdk.NativeMethodSample) = %.1f %% "
                        + "native (threads in native code: running it, e.g. libtorch, or blocked in it, e.g. epoll)%n",
                execution,
                nativeSamples,
                all == 0 ? 0.0 : 100.0 * nativeSamples / all);
        if (cpuEvents > 0) {
            o.printf(
                    Locale.ROOT,
                    "JVM CPU: %.1f %% user + %.1f %% system of the machine (mean of %d jdk.CPULoad); "
                            + "machine total %.1f %%%n",
                    100 * cpuUser / cpuEvents,
                    100 * cpuSystem / cpuEvents,
                    cpuEvents,
                    100 * machineTotal / cpuEvents);
        }
        o.printf(
                Locale.ROOT,
                "GC: %d collections, %.0f ms paused; allocation samples weigh %.0f MB%n",
                gcPauses,
                gcPauseMs,
                allocationBytes / 1e6);
        section(o, "top " + TOP + " self frames (Java CPU samples)", self, execution, TOP, false);
        section(
                o,
                "top " + TOP + " stack prefixes (top " + PREFIX_DEPTH + " frames, callee < caller)",
                prefixes,
                execution,
                TOP,
                false);
        section(o, "top " + TOP + " methods anywhere on the stack (inclusive)", inclusive, execution, TOP, false);
        section(o, "Java CPU samples by thread", threads, execution, 12, false);
        section(
                o,
                "top native frames (native method < its caller; share of native samples)",
                nativeTop,
                nativeSamples,
                12,
                false);
        o.printf(
                Locale.ROOT,
                "%nnative samples outside idle waits (%s): %d of %d%n",
                String.join(", ", new java.util.TreeSet<>(WAITS)),
                nativeSamples - nativeWaiting,
                nativeSamples);
        section(
                o,
                "native samples outside idle waits by thread (share of those samples)",
                nativeBusyThreads,
                nativeSamples - nativeWaiting,
                8,
                false);
        section(
                o,
                "top allocation sites by sampled weight (type @ frame < caller)",
                allocations,
                allocationBytes,
                10,
                true);
        o.flush();
        return s.toString();
    }

    private static void section(
            PrintWriter o, String heading, Map<String, Long> counts, long total, int n, boolean bytes) {
        o.printf(Locale.ROOT, "%n-- %s%n", heading);
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .limit(n)
                .forEach(e -> o.printf(
                        Locale.ROOT,
                        bytes ? "  %6.1f %%  %8.1f MB  %s%n" : "  %6.1f %%  %8.0f  %s%n",
                        total == 0 ? 0.0 : 100.0 * e.getValue() / total,
                        bytes ? e.getValue() / 1e6 : (double) e.getValue(),
                        e.getKey()));
    }
}
