package io.longstream.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.stream.Stream;

/** The reference models shipped in test resources, and their float64 Hugging Face logits. */
public final class Fixtures {
    public static final String[] MODELS = {"llama-tiny-f32", "llama3-tiny-bf16", "qwen2-tiny-bf16", "mistral-tiny-swa-f32", "llama-wide-bf16"};

    /** Where fixtures are copied when they sit in a jar; removed when the JVM exits. */
    private static final Path EXTRACTED = temporaryDirectory();

    private Fixtures() {
    }

    private static Path temporaryDirectory() {
        try {
            Path dir = Files.createTempDirectory("longstream-fixtures-");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The model folder; when the fixtures come from a jar (another module's tests), a copy on disk. */
    public static synchronized Path model(String name) {
        URL url = Fixtures.class.getResource("/models/" + name + "/config.json");
        if (url == null) {
            throw new IllegalStateException("test resource models/" + name + " is missing");
        }
        try {
            if (url.getProtocol().equals("file")) {
                return Paths.get(url.toURI()).getParent();
            }
            Path dir = EXTRACTED.resolve(name);
            if (!Files.isDirectory(dir)) {
                extract(url.toURI(), name, dir);
            }
            return dir;
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot locate fixture model " + name, e);
        }
    }

    private static void extract(URI configUri, String name, Path dir) throws IOException {
        try (FileSystem jar = FileSystems.newFileSystem(configUri, Map.of());
             Stream<Path> files = Files.list(jar.getPath("/models/" + name))) {
            Files.createDirectories(dir);
            dir.toFile().deleteOnExit();
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = dir.resolve(f.getFileName().toString());
                Files.copy(f, target);
                target.toFile().deleteOnExit();
            }
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
