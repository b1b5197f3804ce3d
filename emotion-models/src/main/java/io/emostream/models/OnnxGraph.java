package io.emostream.models;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Minimal edits of a serialised ONNX model ({@code ModelProto}) without a protobuf library: expose an intermediate
 * tensor of the graph as an extra graph output, so ONNX Runtime returns it beside the model's own outputs (the token
 * states after an inner transformer layer, which training reads); and swap initializers (weights) for others of the
 * same name (fine-tuned layers of a pretrained encoder).
 *
 * <p>Protobuf lets a repeated field be appended at the end of its message's bytes, so the edit is: find the
 * top-level {@code graph} field (7), append one {@code output} entry (field 12: a {@code ValueInfoProto} with the
 * tensor's name and element type float) to the graph's bytes, and rewrite the graph field's length. Every other byte
 * is kept as it is.
 */
final class OnnxGraph {

    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int TENSOR_NAME = 8;
    private static final int NODE_OUTPUT = 2;
    private static final int GRAPH_OUTPUT = 12;
    private static final int LENGTH_DELIMITED = 2;

    private OnnxGraph() {}

    /**
     * The model with {@code tensor} appended to its graph outputs (after the existing ones, so their indices do not
     * change).
     *
     * @throws IllegalArgumentException when the bytes are not an ONNX model or no node of the graph produces the
     *     tensor
     */
    static byte[] withOutput(byte[] model, String tensor) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(model.length + 64);
        boolean found = false;
        Cursor c = new Cursor(model, 0, model.length);
        while (c.more()) {
            int start = c.pos;
            long key = c.varint();
            if ((key >>> 3) == MODEL_GRAPH && (key & 7) == LENGTH_DELIMITED && !found) {
                int len = (int) c.varint();
                byte[] graph = Arrays.copyOfRange(model, c.pos, c.pos + len);
                c.pos += len;
                if (!producesTensor(graph, tensor)) {
                    throw new IllegalArgumentException("no node of the ONNX graph outputs '" + tensor + "'");
                }
                byte[] entry = outputEntry(tensor);
                writeVarint(out, key);
                writeVarint(out, graph.length + entry.length);
                out.write(graph, 0, graph.length);
                out.write(entry, 0, entry.length);
                found = true;
            } else {
                c.skip((int) (key & 7));
                out.write(model, start, c.pos - start);
            }
        }
        if (!found) {
            throw new IllegalArgumentException("not an ONNX model: no graph field");
        }
        return out.toByteArray();
    }

    /**
     * The model with each initializer of the same name as one in {@code patch} (a serialised {@code GraphProto} that
     * holds only {@code initializer} entries) replaced by the patch's; every other byte is kept.
     *
     * @throws IllegalArgumentException when the bytes are malformed or a patch initializer has no namesake in the
     *     model (a patch made for another encoder)
     */
    static byte[] withInitializers(byte[] model, byte[] patch) {
        java.util.Map<String, byte[]> replacements = new java.util.HashMap<>();
        Cursor p = new Cursor(patch, 0, patch.length);
        while (p.more()) {
            long key = p.varint();
            if ((key >>> 3) != GRAPH_INITIALIZER || (key & 7) != LENGTH_DELIMITED) {
                throw new IllegalArgumentException("encoder patch: only initializer entries are expected");
            }
            int len = (int) p.varint();
            replacements.put(tensorName(patch, p.pos, len), Arrays.copyOfRange(patch, p.pos, p.pos + len));
            p.pos += len;
        }
        java.util.Set<String> replaced = new java.util.HashSet<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream(model.length);
        Cursor c = new Cursor(model, 0, model.length);
        while (c.more()) {
            int start = c.pos;
            long key = c.varint();
            if ((key >>> 3) != MODEL_GRAPH || (key & 7) != LENGTH_DELIMITED) {
                c.skip((int) (key & 7));
                out.write(model, start, c.pos - start);
                continue;
            }
            int len = (int) c.varint();
            ByteArrayOutputStream graph = new ByteArrayOutputStream(len);
            Cursor g = new Cursor(model, c.pos, c.pos + len);
            c.pos += len;
            while (g.more()) {
                int fieldStart = g.pos;
                long k = g.varint();
                if ((k >>> 3) == GRAPH_INITIALIZER && (k & 7) == LENGTH_DELIMITED) {
                    int tl = (int) g.varint();
                    String name = tensorName(model, g.pos, tl);
                    byte[] r = replacements.get(name);
                    g.pos += tl;
                    if (r != null) {
                        writeVarint(graph, k);
                        writeVarint(graph, r.length);
                        graph.writeBytes(r);
                        replaced.add(name);
                        continue;
                    }
                } else {
                    g.skip((int) (k & 7));
                }
                graph.write(model, fieldStart, g.pos - fieldStart);
            }
            writeVarint(out, key);
            writeVarint(out, graph.size());
            out.writeBytes(graph.toByteArray());
        }
        if (!replaced.containsAll(replacements.keySet())) {
            java.util.Set<String> missing = new java.util.TreeSet<>(replacements.keySet());
            missing.removeAll(replaced);
            throw new IllegalArgumentException("encoder patch initializers not in the model: " + missing);
        }
        return out.toByteArray();
    }

    /** The name field of a serialised TensorProto. */
    private static String tensorName(byte[] b, int from, int len) {
        Cursor t = new Cursor(b, from, from + len);
        while (t.more()) {
            long k = t.varint();
            if ((k >>> 3) == TENSOR_NAME && (k & 7) == LENGTH_DELIMITED) {
                int sl = (int) t.varint();
                return new String(b, t.pos, sl, StandardCharsets.UTF_8);
            }
            t.skip((int) (k & 7));
        }
        throw new IllegalArgumentException("encoder patch: an initializer without a name");
    }

    /** True when some node of the graph lists {@code tensor} among its outputs. */
    private static boolean producesTensor(byte[] graph, String tensor) {
        byte[] name = tensor.getBytes(StandardCharsets.UTF_8);
        Cursor g = new Cursor(graph, 0, graph.length);
        while (g.more()) {
            long key = g.varint();
            if ((key >>> 3) != GRAPH_NODE || (key & 7) != LENGTH_DELIMITED) {
                g.skip((int) (key & 7));
                continue;
            }
            int len = (int) g.varint();
            Cursor n = new Cursor(graph, g.pos, g.pos + len);
            g.pos += len;
            while (n.more()) {
                long k = n.varint();
                if ((k >>> 3) == NODE_OUTPUT && (k & 7) == LENGTH_DELIMITED) {
                    int sl = (int) n.varint();
                    if (Arrays.equals(graph, n.pos, n.pos + sl, name, 0, name.length)) {
                        return true;
                    }
                    n.pos += sl;
                } else {
                    n.skip((int) (k & 7));
                }
            }
        }
        return false;
    }

    /** GraphProto.output entry: ValueInfoProto { name = tensor, type { tensor_type { elem_type = FLOAT } } }. */
    private static byte[] outputEntry(String tensor) {
        byte[] name = tensor.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream vi = new ByteArrayOutputStream();
        vi.write(0x0A); // field 1 (name), length-delimited
        writeVarint(vi, name.length);
        vi.write(name, 0, name.length);
        // field 2 (type): TypeProto { 1: tensor_type { 1: elem_type = 1 (FLOAT) } }
        vi.writeBytes(new byte[] {0x12, 4, 0x0A, 2, 0x08, 1});
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        writeVarint(e, ((long) GRAPH_OUTPUT << 3) | LENGTH_DELIMITED);
        writeVarint(e, vi.size());
        e.writeBytes(vi.toByteArray());
        return e.toByteArray();
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** Reads protobuf wire format within [pos, end). */
    private static final class Cursor {
        private final byte[] b;
        private final int end;
        int pos;

        Cursor(byte[] b, int pos, int end) {
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalArgumentException("not an ONNX model: truncated field");
                }
                byte x = b[pos++];
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("not an ONNX model: malformed varint");
        }

        void skip(int wire) {
            switch (wire) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> {
                    long len = varint();
                    pos += (int) len;
                }
                case 5 -> pos += 4;
                default -> throw new IllegalArgumentException("not an ONNX model: wire type " + wire);
            }
            if (pos > end) {
                throw new IllegalArgumentException("not an ONNX model: field past the end");
            }
        }
    }
}
