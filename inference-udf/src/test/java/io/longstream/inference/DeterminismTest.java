package io.longstream.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same input gives bit-identical logits whatever the thread count, and in a cold JVM that only
 * interprets (-Xint) or runs another JDK: a restored session must continue exactly.
 */
class DeterminismTest {
    /** A later JDK on these machines; CI machines of the same kind have it too. */
    private static final Path JDK_25 = Paths.get("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny-f32", "qwen2-tiny-bf16", "llama-wide-bf16"})
    void threadCountDoesNotChangeABit(String name) {
        float[] one = LogitsDump.compute(Fixtures.model(name), 7, 1, 0);
        for (int threads : new int[] {2, 3, 5}) {
            assertArrayEquals(one, LogitsDump.compute(Fixtures.model(name), 7, threads, 0), threads + " threads");
        }
    }

    /** tokens: a prefix of the reference input (0: all); the wide model's first 40 reach a pair of 16-slot blocks and a lone one. */
    @ParameterizedTest(name = "{0}, {1} tokens")
    @CsvSource({"llama-tiny-f32, 0", "qwen2-tiny-bf16, 0", "llama-wide-bf16, 40"})
    void interpretedJvmGivesTheJitCompiledBits(String name, int tokens) throws Exception {
        // warm the kernels so the in-process run is JIT-compiled
        for (int i = 0; i < 20; i++) {
            LogitsDump.compute(Fixtures.model(name), 7, 2, tokens);
        }
        float[] jit = LogitsDump.compute(Fixtures.model(name), 7, 2, tokens);
        float[] interpreted = runChild(currentJava(), name, tokens, "-Xint");
        assertArrayEquals(jit, interpreted);
    }

    @Test
    void java25GivesTheJava17Bits() throws Exception {
        assumeTrue(Files.isExecutable(JDK_25), "no Temurin 25 JDK at " + JDK_25);
        String name = "llama3-tiny-bf16";
        assertArrayEquals(LogitsDump.compute(Fixtures.model(name), 7, 2, 0), runChild(JDK_25, name, 0));
    }

    private float[] runChild(Path java, String model, int tokens, String... flags) throws IOException, InterruptedException {
        Path out = tmp.resolve(model + ".bits");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector"));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), LogitsDump.class.getName(),
                Fixtures.model(model).toString(), "7", "2", Integer.toString(tokens), out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not finish in 300 s");
        }
        assertEquals(0, p.exitValue(), () -> "child JVM failed: " + read(tmp.resolve("child.log")));
        return LogitsDump.read(out);
    }

    private static Path currentJava() {
        return Paths.get(System.getProperty("java.home"), "bin", "java");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
