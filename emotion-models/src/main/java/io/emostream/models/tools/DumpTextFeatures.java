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
 * token ids, rows concatenated. Usage:
 * {@code DumpTextFeatures <modelDir with manifest.json> <csv> <out prefix> [batch]}.
 */
public final class DumpTextFeatures {

    private DumpTextFeatures() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: DumpTextFeatures <modelDir> <csv> <outPrefix> [batch]");
            System.exit(2);
        }
        ModelManifest m = ModelManifest.read(Path.of(args[0]));
        List<Map<String, String>> rows = Csv.read(Path.of(args[1]));
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        ModelOptions o = new ModelOptions("auto", 2, 1, 1);
        long t0 = System.nanoTime();
        try (TextEncoder enc = TextEncoder.load(m.encoder(), m.maxTokens(), o, null);
             DataOutputStream feats = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(Path.of(args[2] + ".f32")), 1 << 20));
             DataOutputStream lens = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(Path.of(args[2] + ".len"))));
             DataOutputStream idOut = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(Path.of(args[2] + ".ids"))))) {
            ByteBuffer bb = ByteBuffer.allocate(enc.hiddenSize() * 4).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer ib = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            for (int from = 0; from < rows.size(); from += batch) {
                List<String> texts = new ArrayList<>();
                for (int i = from; i < Math.min(rows.size(), from + batch); i++) {
                    String t = rows.get(i).getOrDefault("text", "");
                    texts.add(t == null || t.isBlank() ? "." : t);
                }
                long[][] ids = enc.tokenize(texts);
                TokenFeatures f = enc.encode(ids);
                for (int i = 0; i < f.batch(); i++) {
                    for (long id : ids[i]) {
                        ib.clear();
                        ib.putInt((int) id);
                        idOut.write(ib.array());
                    }
                    float[][] tok = f.item(i);
                    ib.clear();
                    ib.putInt(tok.length);
                    lens.write(ib.array());
                    for (float[] v : tok) {
                        bb.clear();
                        for (float x : v) {
                            bb.putFloat(x);
                        }
                        feats.write(bb.array());
                    }
                }
                if ((from / batch) % 50 == 0) {
                    System.err.printf("%d/%d rows, %.0f s%n", from, rows.size(), (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        System.err.printf("done: %d rows in %.0f s%n", rows.size(), (System.nanoTime() - t0) / 1e9);
    }
}
