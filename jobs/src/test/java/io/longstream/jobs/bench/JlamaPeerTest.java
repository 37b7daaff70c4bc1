package io.longstream.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JlamaPeerTest {
    private static final ReadProbe STEADY_40_GB = new ReadProbe(new double[][] {{40e9}});

    private static List<String> fakePeer(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FakeJlamaPeer.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void drivesThePeersDecodeInBurstsHeldToTheProbesAroundThem() throws Exception {
        List<String> asked = new ArrayList<>();
        JlamaResult result = JlamaPeer.drive(fakePeer("1024,4096"), List.of(1024, 4096), (context, decoder) -> {
            asked.add("context " + context);
            return DecodeBursts.measure(tokens -> {
                asked.add("decode " + tokens);
                return decoder.decode(tokens);
            }, () -> STEADY_40_GB, 16, 8, 64, position -> 1e9, context);
        });
        assertEquals(List.of(new JlamaResult.Prefill(512, 4.0, 128.0)), result.prefill());
        assertEquals(List.of(1024, 4096), List.copyOf(result.decode().keySet()));
        DecodeBursts at4096 = result.decode().get(4096);
        assertEquals(16, at4096.tokens());
        assertEquals(10.0, at4096.tokensPerSecond(), 1e-9); // 0.1 s a token; the untimed ones are not counted
        assertEquals(0.25, at4096.share(), 1e-9); // 1 GB a token at 10 tokens/s against 40 GB/s
        List<String> oneContext = List.of("decode 1", "decode 8", "decode 1", "decode 8");
        List<String> expected = new ArrayList<>();
        expected.add("context 1024");
        expected.addAll(oneContext);
        expected.add("context 4096");
        expected.addAll(oneContext);
        assertEquals(expected, asked);
    }

    @Test
    void aPeerAtAnotherContextThanPlannedFails() {
        IOException e = assertThrows(IOException.class, () -> JlamaPeer.drive(fakePeer("2048"), List.of(1024),
                (context, decoder) -> new DecodeBursts()));
        assertTrue(e.getMessage().contains("context 2048, expected 1024"), e.getMessage());
    }

    @Test
    void aPeerThatStopsEarlyFailsWithItsExitCode() {
        IOException e = assertThrows(IOException.class, () -> JlamaPeer.drive(fakePeer("1024", "exit-early"), List.of(1024),
                (context, decoder) -> new DecodeBursts()));
        assertTrue(e.getMessage().contains("exit 3"), e.getMessage());
    }

    @Test
    void findsTheRepositoryRootAboveTheCurrentDirectory(@TempDir Path repo) throws IOException {
        Files.createDirectories(repo.resolve("bench/jlama-peer"));
        Files.writeString(repo.resolve("bench/jlama-peer/pom.xml"), "<project/>");
        Path deep = Files.createDirectories(repo.resolve("jobs/src/main"));
        assertEquals(repo, JlamaPeer.findRepoRoot(deep));
        assertThrows(IllegalStateException.class, () -> JlamaPeer.findRepoRoot(repo.getParent()));
    }
}
