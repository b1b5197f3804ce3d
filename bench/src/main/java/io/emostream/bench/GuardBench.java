package io.emostream.bench;

import io.emostream.guard.Attempt;
import io.emostream.guard.GuardKey;
import io.emostream.guard.GuardSettings;
import io.emostream.guard.PoisonGuard;
import io.emostream.runtime.LocalPlatform;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the consumer guard costs a consumer, against a real broker (the local runtime's, no services): per record in
 * normal mode (what fusion pays on every score), and per record in careful mode (a synchronous marker before it,
 * what ingest pays per recording and any consumer after the service died on a partition).
 *   bench/guard.sh [--records N] [--careful-records M]
 */
public final class GuardBench {

    public static void main(String[] args) throws Exception {
        int records = intArg(args, "--records", 5_000_000);
        int carefulRecords = intArg(args, "--careful-records", 2_000);
        try (LocalPlatform platform = LocalPlatform.start(Stats.repo(), "none", Map.of())) {
            Map<String, Object> kafka = Map.of("bootstrap.servers", platform.bootstrapServers());
            Map<String, Object> figures = new LinkedHashMap<>();

            PoisonGuard normal = PoisonGuard.create(GuardSettings.defaults(), kafka, "bench-service", null);
            GuardKey[] keys = new GuardKey[6];
            for (int p = 0; p < keys.length; p++) {
                keys[p] = new GuardKey("bench-normal", "bench.topic", p);
                normal.after(normal.before(keys[p], 0)); // opens the partitions: one synchronous marker each
            }
            run(normal, keys, records / 10, 1); // warm-up
            long t0 = System.nanoTime();
            run(normal, keys, records, 1 + records / 10);
            double seconds = (System.nanoTime() - t0) / 1e9;
            normal.close();
            figures.put("normal records", records);
            figures.put("normal ns per record", seconds * 1e9 / records);

            PoisonGuard careful =
                    PoisonGuard.create(GuardSettings.defaults().withAlwaysCareful(true), kafka, "bench-service", null);
            GuardKey key = new GuardKey("bench-careful", "bench.topic", 0);
            Stats ms = new Stats();
            for (int i = 0; i < carefulRecords; i++) {
                long s = System.nanoTime();
                Attempt a = careful.before(key, i);
                careful.after(a);
                ms.add((System.nanoTime() - s) / 1e6);
            }
            careful.close();
            figures.put("careful records", carefulRecords);
            figures.put("careful ms per record p50", ms.percentile(50));
            figures.put("careful ms per record p99", ms.percentile(99));
            figures.put("careful records per second", carefulRecords / (ms.mean() * carefulRecords / 1000.0));
            Stats.print("consumer guard", figures);
        }
    }

    private static void run(PoisonGuard guard, GuardKey[] keys, int n, long firstOffset) {
        for (int i = 0; i < n; i++) {
            GuardKey k = keys[i % keys.length];
            guard.after(guard.before(k, firstOffset + i / keys.length));
        }
    }

    private static int intArg(String[] args, String name, int dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return dflt;
    }
}
