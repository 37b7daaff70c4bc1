package io.longstream.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs Jlama, the CPU benchmark's peer, as a child process on a JDK 21+, because Jlama needs Java 21
 * and the project runs on Java 17.
 */
final class JlamaPeer {
    /** Why {@link #run} returned empty: the only case it does. */
    public static final String NOT_RUN_REASON = "no JDK " + PeerJdk.MIN_VERSION + "+ found";
    private static final Path PROJECT = Path.of("bench", "jlama-peer");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path repoRoot;

    /** Uses the repository that contains the current directory. */
    public JlamaPeer() {
        this(findRepoRoot(Path.of("").toAbsolutePath()));
    }

    public JlamaPeer(Path repoRoot) {
        this.repoRoot = repoRoot;
    }

    /** How the benchmark measures decoding at a context: in bursts held to the read bandwidth around them. */
    @FunctionalInterface
    interface DecodeMeasure {
        DecodeBursts measure(int context, Decoder decoder);
    }

    /**
     * Benchmarks {@code modelDir} with Jlama; empty when no JDK 21+ exists (see {@link #NOT_RUN_REASON}).
     * The peer's progress goes to this process's stderr.
     */
    Optional<JlamaResult> run(Path modelDir, BenchPlan plan, DecodeMeasure measure) throws IOException, InterruptedException {
        Optional<Path> jdk = PeerJdk.find();
        if (jdk.isEmpty()) {
            return Optional.empty();
        }
        String classpath = new PeerBuild(repoRoot.resolve(PROJECT)).classpath(jdk.get());
        // Jlama leaves memory-mapped KV pages under java.io.tmpdir; a private temp dir lets us remove them.
        Path tmp = Files.createTempDirectory("longstream-jlama-");
        try {
            List<String> command = new ArrayList<>(List.of(
                    jdk.get().resolve("bin/java").toString(), "-Xmx8g", "-XX:+UseTransparentHugePages", "--add-modules",
                    "jdk.incubator.vector", "-Djlama.force_panama_tensor_operations=true", "-Djava.io.tmpdir=" + tmp,
                    "-cp", classpath, PeerBuild.MAIN_CLASS,
                    "--model", modelDir.toAbsolutePath().toString(),
                    "--threads", Integer.toString(plan.threads()),
                    "--prefill", csv(plan.prefillTokens()),
                    "--decode-context", csv(plan.decodeContexts()),
                    "--decode-tokens", Integer.toString(plan.decodeTokens()),
                    "--warmup", Integer.toString(plan.warmup())));
            return Optional.of(drive(command, plan.decodeContexts(), measure));
        } finally {
            deleteTree(tmp);
        }
    }

    /**
     * Starts the peer and drives it: reads its prefill line, then, for each decode context, waits for
     * {@code {"context":C}} and lets {@code measure} decode through it ({@code decode N} answered by
     * {@code {"seconds":S}}) before sending {@code end}. Lines that are not JSON objects are skipped.
     */
    static JlamaResult drive(List<String> command, List<Integer> contexts, DecodeMeasure measure)
            throws IOException, InterruptedException {
        Process peer = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
             Writer in = new OutputStreamWriter(peer.getOutputStream(), StandardCharsets.UTF_8)) {
            JlamaResult.PrefillLine prefill = JSON.treeToValue(next(out, "threads", peer), JlamaResult.PrefillLine.class);
            Map<Integer, DecodeBursts> decode = new LinkedHashMap<>();
            for (int context : contexts) {
                int announced = next(out, "context", peer).get("context").asInt();
                if (announced != context) {
                    throw new IOException("Jlama peer decodes at context " + announced + ", expected " + context);
                }
                decode.put(context, measure.measure(context, tokens -> {
                    try {
                        in.write("decode " + tokens + "\n");
                        in.flush();
                        return next(out, "seconds", peer).get("seconds").asDouble();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }));
                in.write("end\n");
                in.flush();
            }
            int exit = peer.waitFor();
            if (exit != 0) {
                throw new IOException("Jlama peer failed (exit " + exit + ")");
            }
            return new JlamaResult(prefill.prefill(), decode);
        } finally {
            // A no-op after a normal exit; after a failure or an interruption it stops the peer from running on.
            peer.destroyForcibly();
        }
    }

    /** The peer's next JSON line, which must carry {@code field}. */
    private static JsonNode next(BufferedReader out, String field, Process peer) throws IOException {
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("{")) {
                JsonNode node = JSON.readTree(line);
                if (!node.has(field)) {
                    throw new IOException("Jlama peer sent " + line + " where \"" + field + "\" was expected");
                }
                return node;
            }
        }
        throw new IOException("Jlama peer ended (exit " + exitCode(peer) + ") where \"" + field + "\" was expected");
    }

    private static String exitCode(Process peer) {
        try {
            return peer.waitFor(10, TimeUnit.SECONDS) ? Integer.toString(peer.exitValue()) : "none yet";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** The nearest directory at or above {@code start} that holds bench/jlama-peer/pom.xml. */
    static Path findRepoRoot(Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(PROJECT).resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no " + PROJECT + "/pom.xml at or above " + start);
    }

    private static String csv(List<Integer> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
