package io.longstream.inference;

import io.longstream.state.cache.CacheDtype;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Child-JVM entry point of the determinism tests: writes the raw bits of a fixture's logits.
 * Args: model dir, chunk, threads, tokens (the first tokens of the reference input; 0: all), output file.
 */
public final class LogitsDump {
    private LogitsDump() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Paths.get(args[0]);
        int chunk = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        int tokens = Integer.parseInt(args[3]);
        write(compute(dir, chunk, threads, tokens), Paths.get(args[4]));
    }

    static float[] compute(Path dir, int chunk, int threads, int tokens) {
        int[] ids = idsOf(dir);
        if (tokens > 0) {
            ids = java.util.Arrays.copyOf(ids, Math.min(tokens, ids.length));
        }
        try (Model m = Model.load(dir, threads)) {
            return new ChunkedPrefill(m.transformer(), chunk).run(ids, m.transformer().newCache(CacheDtype.BF16), true);
        }
    }

    private static int[] idsOf(Path dir) {
        try {
            return Fixtures.ints(new ObjectMapper().readTree(dir.resolve("reference.json").toFile())
                    .get("input_ids"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(float[] logits, Path out) throws IOException {
        try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(out))) {
            o.writeInt(logits.length);
            for (float v : logits) {
                o.writeInt(Float.floatToRawIntBits(v));
            }
        }
    }

    static float[] read(Path in) throws IOException {
        try (var i = new DataInputStream(Files.newInputStream(in))) {
            float[] out = new float[i.readInt()];
            for (int k = 0; k < out.length; k++) {
                out[k] = Float.intBitsToFloat(i.readInt());
            }
            return out;
        }
    }
}
