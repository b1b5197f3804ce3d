package io.emostream.models.tools;

import io.emostream.models.ModelManifest;
import io.emostream.models.ModelOptions;
import io.emostream.models.TextEncoder;
import io.emostream.models.TokenFeatures;
import io.emostream.models.eval.Csv;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes the text encoder's token features for every row of a CSV with a {@code text} column, using exactly the
 * tokenizer and encoder code of {@link io.emostream.models.TextEmotionModel}: the head is trained on these.
 *
 * <p>Output {@code <out>.f32}: per row, the valid tokens' hidden vectors as little-endian float32, rows
 * concatenated; {@code <out>.len}: int32 token count per row (same order as the CSV); {@code <out>.ids}: the int32
 * token ids, rows concatenated; when the manifest's encoder names a {@code headInput} tensor, {@code <out>.head.f32}
 * holds that tensor's token vectors in the same layout (with an encoder patch: the patched encoder's last hidden
 * state, the head's input). Usage:
 * {@code DumpTextFeatures <modelDir with manifest.json> <csv> <out prefix> [batch]}.
 */
public final class DumpTextFeatures {

    private DumpTextFeatures() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: DumpTextFeatures <modelDir> <csv> <outPrefix> [batch]");
            System.exit(2);
        }
        ModelManifest m = ModelManifest.read(Path.of(args[0]));
        List<Map<String, String>> rows = Csv.read(Path.of(args[1]));
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        ModelOptions o = new ModelOptions("auto", Integer.getInteger("threads", 1), 1, 1);
        long t0 = System.nanoTime();
        try (TextEncoder enc = TextEncoder.load(m, o, null);
                DataOutputStream feats = new DataOutputStream(
                        new BufferedOutputStream(Files.newOutputStream(Path.of(args[2] + ".f32")), 1 << 20));
                DataOutputStream lens = new DataOutputStream(
                        new BufferedOutputStream(Files.newOutputStream(Path.of(args[2] + ".len"))));
                DataOutputStream idOut = new DataOutputStream(
                        new BufferedOutputStream(Files.newOutputStream(Path.of(args[2] + ".ids"))))) {
            DataOutputStream headOut = enc.innerHeadInput() || enc.patched()
                    ? new DataOutputStream(
                            new BufferedOutputStream(Files.newOutputStream(Path.of(args[2] + ".head.f32")), 1 << 20))
                    : null;
            ByteBuffer ib = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            // length-sorted batches inside chunks (little padding), written back in CSV order
            int chunk = 64 * batch;
            for (int start = 0; start < rows.size(); start += chunk) {
                int end = Math.min(rows.size(), start + chunk);
                List<String> texts = new ArrayList<>();
                for (int i = start; i < end; i++) {
                    String t = rows.get(i).getOrDefault("text", "");
                    texts.add(t == null || t.isBlank() ? "." : t);
                }
                long[][] ids = enc.tokenize(texts);
                Integer[] order = new Integer[ids.length];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> ids[i].length));
                float[][][] out = new float[ids.length][][];
                float[][][] headIn = new float[ids.length][][];
                for (int b = 0; b < order.length; b += batch) {
                    int n = Math.min(batch, order.length - b);
                    long[][] sub = new long[n][];
                    for (int j = 0; j < n; j++) {
                        sub[j] = ids[order[b + j]];
                    }
                    TokenFeatures[] f = enc.encodeAll(sub);
                    TokenFeatures h = enc.patched() ? enc.encodeHeadInput(sub) : f[f.length - 1];
                    for (int j = 0; j < n; j++) {
                        out[order[b + j]] = f[0].item(j);
                        headIn[order[b + j]] = h.item(j);
                    }
                }
                for (int i = 0; i < ids.length; i++) {
                    for (long id : ids[i]) {
                        ib.clear();
                        ib.putInt((int) id);
                        idOut.write(ib.array());
                    }
                    ib.clear();
                    ib.putInt(out[i].length);
                    lens.write(ib.array());
                    write(feats, out[i]);
                    if (headOut != null) {
                        write(headOut, headIn[i]);
                    }
                }
                System.err.printf("%d/%d rows, %.0f s%n", end, rows.size(), (System.nanoTime() - t0) / 1e9);
            }
            if (headOut != null) {
                headOut.close();
            }
        }
        System.err.printf("done: %d rows in %.0f s%n", rows.size(), (System.nanoTime() - t0) / 1e9);
    }

    /** Token vectors as little-endian float32, one after the other. */
    private static void write(DataOutputStream out, float[][] tokens) throws IOException {
        if (tokens.length == 0) {
            return;
        }
        ByteBuffer bb = ByteBuffer.wrap(new byte[tokens[0].length * 4]).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] v : tokens) {
            bb.clear();
            for (float x : v) {
                bb.putFloat(x);
            }
            out.write(bb.array());
        }
    }
}
