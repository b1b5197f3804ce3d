package io.emostream.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * CPU time of every thread of a process, Java or native, from {@code /proc/<pid>/task/<tid>/stat}: what a JFR
 * recording does not see (JIT compiler and GC threads, RocksDB's background threads, libtorch's pool, time spent in
 * the kernel). Threads are named by their Java name where the JVM knows the thread ({@code jcmd Thread.print} maps
 * {@code nid} to the name; Linux keeps only 15 characters of it), otherwise by the kernel's name; ids, numbers and
 * UUIDs in a name are folded so that a pool reads as one line.
 */
final class ThreadCpu {

    private static final Pattern NID = Pattern.compile("^\"(.*)\" .*nid=(0x[0-9a-f]+|\\d+)");
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern DIGITS = Pattern.compile("\\d+");

    /** Clock ticks (user + system) per thread id, with the kernel's thread name. */
    record Snapshot(long pid, Map<Long, Long> ticks, Map<Long, String> comm) {}

    private ThreadCpu() {}

    static Snapshot snapshot(long pid) throws IOException {
        Map<Long, Long> ticks = new HashMap<>();
        Map<Long, String> comm = new HashMap<>();
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path task : (Iterable<Path>) list::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (NoSuchFileException gone) { // the thread ended between list and read
                    continue;
                }
                long tid = Long.parseLong(task.getFileName().toString());
                ticks.put(tid, ticks(stat));
                comm.put(tid, stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
            }
        }
        return new Snapshot(pid, ticks, comm);
    }

    /**
     * The CPU each thread group used between two snapshots of one process, largest first, as a table with the
     * share of the process's total; {@code jcmd} is this JVM's, used to name Java threads.
     */
    static String table(Snapshot before, Snapshot after, double seconds, int top) throws Exception {
        Map<Long, String> javaNames = javaNames(after.pid());
        Map<String, Long> groups = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        long total = 0;
        for (Map.Entry<Long, Long> e : after.ticks().entrySet()) {
            long used = e.getValue() - before.ticks().getOrDefault(e.getKey(), 0L);
            if (used <= 0) {
                continue;
            }
            String name = fold(javaNames.getOrDefault(e.getKey(), after.comm().get(e.getKey())));
            groups.merge(name, used, Long::sum);
            threads.merge(name, 1, Integer::sum);
            total += used;
        }
        StringBuilder out = new StringBuilder(String.format(
                Locale.ROOT,
                "threads by CPU (/proc, incl. native and kernel time): %.2f cores over %.0f s%n",
                total / 100.0 / seconds,
                seconds));
        out.append(String.format(Locale.ROOT, "%8s %6s %7s  %s%n", "cores", "share", "threads", "thread (group)"));
        List<Map.Entry<String, Long>> sorted = groups.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(top)
                .toList();
        for (Map.Entry<String, Long> e : sorted) {
            out.append(String.format(
                    Locale.ROOT,
                    "%8.3f %5.1f%% %7d  %s%n",
                    e.getValue() / 100.0 / seconds,
                    100.0 * e.getValue() / Math.max(1, total),
                    threads.get(e.getKey()),
                    e.getKey()));
        }
        return out.toString();
    }

    /** CPU seconds (user + system) a process has used so far, from {@code /proc/<pid>/stat}. */
    static double cpuSeconds(long pid) throws IOException {
        return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))) / 100.0;
    }

    /**
     * CPU seconds of a process and its live descendants (PostgreSQL: the postmaster and its backends); a child that
     * exits between listing and reading is skipped.
     */
    static double treeCpuSeconds(long pid) throws IOException {
        double sum = cpuSeconds(pid);
        for (ProcessHandle child :
                ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of())) {
            try {
                sum += cpuSeconds(child.pid());
            } catch (IOException gone) {
                // a backend that just exited
            }
        }
        return sum;
    }

    /** utime + stime of a {@code /proc/…/stat} line, in clock ticks (USER_HZ = 100). */
    private static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Clock ticks the process's threads used between two snapshots. */
    static long ticks(Snapshot before, Snapshot after) {
        long used = 0;
        for (Map.Entry<Long, Long> e : after.ticks().entrySet()) {
            used += Math.max(0, e.getValue() - before.ticks().getOrDefault(e.getKey(), 0L));
        }
        return used;
    }

    /** Clock ticks the JIT compiler threads ({@code C1 CompilerThre…}, {@code C2 CompilerThre…}) used. */
    static long jitTicks(Snapshot before, Snapshot after) {
        long used = 0;
        for (Map.Entry<Long, Long> e : after.ticks().entrySet()) {
            if (after.comm().get(e.getKey()).matches("C\\d CompilerThre.*")) {
                used += Math.max(0, e.getValue() - before.ticks().getOrDefault(e.getKey(), 0L));
            }
        }
        return used;
    }

    /** Thread id → Java thread name, from {@code jcmd <pid> Thread.print}; empty if the JVM does not answer. */
    static Map<Long, String> javaNames(long pid) throws Exception {
        Map<Long, String> names = new LinkedHashMap<>();
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(pid),
                        "Thread.print")
                .redirectErrorStream(true)
                .start();
        String dump = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(1, TimeUnit.MINUTES) || p.exitValue() != 0) {
            return names;
        }
        for (String line : dump.split("\n")) {
            Matcher m = NID.matcher(line);
            if (m.find()) {
                String nid = m.group(2);
                names.put(
                        nid.startsWith("0x") ? Long.parseLong(nid.substring(2), 16) : Long.parseLong(nid), m.group(1));
            }
        }
        return names;
    }

    /** A thread name with UUIDs and numbers folded ({@code GC Thread#1} → {@code GC Thread#N}). */
    static String fold(String name) {
        return DIGITS.matcher(UUID.matcher(name).replaceAll("<uuid>")).replaceAll("N");
    }
}
