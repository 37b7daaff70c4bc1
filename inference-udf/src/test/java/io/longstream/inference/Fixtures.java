package io.longstream.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.nio.file.Paths;

/** The reference models shipped in test resources, and their float64 Hugging Face logits. */
public final class Fixtures {
    public static final String[] MODELS = {"llama-tiny-f32", "llama3-tiny-bf16", "qwen2-tiny-bf16", "mistral-tiny-swa-f32"};

    private Fixtures() {
    }

    public static Path model(String name) {
        URL url = Fixtures.class.getResource("/models/" + name);
        if (url == null) {
            throw new IllegalStateException("test resource models/" + name + " is missing");
        }
        try {
            return Paths.get(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code reference.json}: input_ids, logits (one row per position), greedy_next_16. */
    public static final class Reference {
        public final int[] inputIds;
        public final double[][] logits;
        public final int[] greedyNext16;

        Reference(JsonNode root) {
            inputIds = ints(root.get("input_ids"));
            greedyNext16 = ints(root.get("greedy_next_16"));
            JsonNode rows = root.get("logits");
            logits = new double[rows.size()][];
            for (int i = 0; i < logits.length; i++) {
                JsonNode row = rows.get(i);
                logits[i] = new double[row.size()];
                for (int j = 0; j < logits[i].length; j++) {
                    logits[i][j] = row.get(j).asDouble();
                }
            }
        }

        /** The largest |logit|: the scale errors are reported against. */
        public double scale() {
            double max = 0;
            for (double[] row : logits) {
                for (double v : row) {
                    max = Math.max(max, Math.abs(v));
                }
            }
            return max;
        }

        /** max |ours − reference| over all positions, relative to {@link #scale()}; ours: [positions][vocab]. */
        public double relativeError(float[] ours) {
            int vocab = logits[0].length;
            double err = 0;
            for (int t = 0; t < logits.length; t++) {
                for (int j = 0; j < vocab; j++) {
                    err = Math.max(err, Math.abs(ours[t * vocab + j] - logits[t][j]));
                }
            }
            return err / scale();
        }
    }

    public static Reference reference(String name) {
        try {
            return new Reference(new ObjectMapper().readTree(model(name).resolve("reference.json").toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
