package io.longstream.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JlamaPeerTest {
    @Test
    void parsesThePeersResultLine() throws IOException {
        String line = "{\"threads\":2,\"prefill\":[{\"tokens\":512,\"seconds\":4.0,\"tokens_per_s\":128.0}],"
                + "\"decode\":[{\"context\":1024,\"tokens\":16,\"seconds\":2.5,\"tokens_per_s\":6.4}]}";
        JlamaResult result = new ObjectMapper().readValue(line, JlamaResult.class);
        assertEquals(2, result.threads());
        assertEquals(new JlamaResult.Prefill(512, 4.0, 128.0), result.prefill().get(0));
        assertEquals(new JlamaResult.Decode(1024, 16, 2.5, 6.4), result.decode().get(0));
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
