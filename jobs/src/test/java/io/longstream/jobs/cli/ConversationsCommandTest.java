package io.longstream.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.conversations.ConversationGenerator;
import io.longstream.conversations.ConversationJson;
import io.longstream.conversations.ExpectedAnswer;
import io.longstream.jobs.io.EventJson;
import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConversationsCommandTest {
    @TempDir
    Path dir;

    @Test
    void theWrittenFileReadsAsSessionEventsWithItsExpectedAnswersBeside() throws Exception {
        Path file = dir.resolve("c.jsonl");
        String[] args = {"conversations", "--seed", "9", "--sessions", "3", "--min-words", "300", "--max-words", "900",
            "--out", file.toString()};
        assertEquals(0, LongstreamCli.commandLine().execute(args));
        byte[] first = Files.readAllBytes(file);
        assertEquals(0, LongstreamCli.commandLine().execute(args));
        assertArrayEquals(first, Files.readAllBytes(file), "the same seed writes the same bytes");

        // the reader produce and demo --file use: every line is an event, the benchmark's fields ignored
        List<SessionEvent> events = new EventJson("test").readAll(Files.newBufferedReader(file, StandardCharsets.UTF_8));
        assertEquals(Files.readAllLines(file).size(), events.size());
        List<Query> queries = events.stream().filter(e -> e.getPayload() instanceof Query).map(e -> (Query) e.getPayload())
                .collect(Collectors.toList());
        assertTrue(events.stream().anyMatch(e -> e.getPayload() instanceof DocumentChunk)
                || events.stream().anyMatch(e -> e.getPayload() instanceof ConversationTurn));
        assertEquals(List.of("conv-9-0", "conv-9-1", "conv-9-2"),
                events.stream().map(SessionEvent::getSessionId).distinct().collect(Collectors.toList()));

        List<ExpectedAnswer> expected = ConversationJson.expectedAnswers(Files.newBufferedReader(file, StandardCharsets.UTF_8));
        assertEquals(queries.size(), expected.size());
        for (int i = 0; i < queries.size(); i++) {
            assertEquals(expected.get(i).question(), queries.get(i).getText());
            assertEquals(expected.get(i).queryId(), queries.get(i).getQueryId());
            assertEquals(ConversationGenerator.MAX_NEW_TOKENS, queries.get(i).getMaxNewTokens());
            assertEquals(0f, queries.get(i).getTemperature(), "greedy, so answers compare exactly");
        }
    }

    @Test
    void aBadOptionFailsNamingIt() {
        CommandLine cl = LongstreamCli.commandLine();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        assertEquals(2, cl.execute("conversations", "--seed", "1", "--sessions", "2", "--min-words", "900", "--max-words", "300",
                "--out", dir.resolve("x.jsonl").toString()));
        assertEquals("error: --max-words (300) must be at least --min-words (900)", err.toString(StandardCharsets.UTF_8).trim());
        assertTrue(Files.notExists(dir.resolve("x.jsonl")), "nothing is written for a bad option");
    }
}
