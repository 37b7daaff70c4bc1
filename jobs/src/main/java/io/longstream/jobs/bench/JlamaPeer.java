package io.longstream.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs Jlama, the CPU benchmark's peer, as a child process on a JDK 21+, because Jlama needs Java 21
 * and the project runs on Java 17.
 */
public final class JlamaPeer {
    /** Why {@link #run} returned empty: the only case it does. */
    public static final String NOT_RUN_REASON = "no JDK " + PeerJdk.MIN_VERSION + "+ found";
    private static final Path PROJECT = Path.of("bench", "jlama-peer");

    private final Path repoRoot;

    /** Uses the repository that contains the current directory. */
    public JlamaPeer() {
        this(findRepoRoot(Path.of("").toAbsolutePath()));
    }

    public JlamaPeer(Path repoRoot) {
        this.repoRoot = repoRoot;
    }

    /**
     * Benchmarks {@code modelDir} with Jlama; empty when no JDK 21+ exists (see {@link #NOT_RUN_REASON}).
     * The peer's progress goes to this process's stderr.
     */
    public Optional<JlamaResult> run(Path modelDir, BenchPlan plan) throws IOException, InterruptedException {
        Optional<Path> jdk = PeerJdk.find();
        if (jdk.isEmpty()) {
            return Optional.empty();
        }
        String classpath = new PeerBuild(repoRoot.resolve(PROJECT)).classpath(jdk.get());
        // Jlama leaves memory-mapped KV pages under java.io.tmpdir; a private temp dir lets us remove them.
        Path tmp = Files.createTempDirectory("longstream-jlama-");
        try {
            return Optional.of(launch(jdk.get(), classpath, tmp, modelDir, plan));
        } finally {
            deleteTree(tmp);
        }
    }

    private static JlamaResult launch(Path jdk, String classpath, Path tmp, Path modelDir, BenchPlan plan)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                jdk.resolve("bin/java").toString(), "-Xmx8g", "-XX:+UseTransparentHugePages", "--add-modules", "jdk.incubator.vector",
                "-Djlama.force_panama_tensor_operations=true", "-Djava.io.tmpdir=" + tmp,
                "-cp", classpath, PeerBuild.MAIN_CLASS,
                "--model", modelDir.toAbsolutePath().toString(),
                "--threads", Integer.toString(plan.threads()),
                "--prefill", csv(plan.prefillTokens()),
                "--decode-context", csv(plan.decodeContexts()),
                "--decode-tokens", Integer.toString(plan.decodeTokens()),
                "--warmup", Integer.toString(plan.warmup())));
        Process peer = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String lastJson = null;
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("{")) {
                        lastJson = line;
                    }
                }
            }
            int exit = peer.waitFor();
            if (exit != 0 || lastJson == null) {
                throw new IOException("Jlama peer failed (exit " + exit + (lastJson == null ? ", no result line" : "")
                        + ")");
            }
            return new ObjectMapper().readValue(lastJson, JlamaResult.class);
        } finally {
            // A no-op after a normal exit; after an interruption it stops the peer from running on.
            peer.destroyForcibly();
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
