package io.longstream.jobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.schemas.Answer;
import io.longstream.schemas.Query;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's answer lines and summary score answers against the stream's expected ones, normalised. */
class DemoOutputsTest {
    private static final String STREAM = String.join("\n",
            "{\"session\":\"s\",\"type\":\"turn\",\"role\":\"user\",\"text\":\"My pet is a ferret. My locker number is 4821.\"}",
            "{\"session\":\"s\",\"type\":\"query\",\"query\":\"q1\",\"text\":\"What is my pet?\",\"max_new_tokens\":8,\"expected\":\"ferret\","
                    + "\"question_type\":\"single\",\"depth\":0.0}",
            "{\"session\":\"s\",\"type\":\"query\",\"query\":\"q2\",\"text\":\"My locker?\",\"max_new_tokens\":8,\"expected\":\"4821\","
                    + "\"question_type\":\"single\",\"depth\":0.5}",
            "{\"session\":\"s\",\"type\":\"query\",\"query\":\"q3\",\"text\":\"My sister?\",\"max_new_tokens\":8,\"expected\":\"I don't know\","
                    + "\"question_type\":\"not_stated\"}",
            "{\"session\":\"s\",\"type\":\"query\",\"query\":\"q4\",\"text\":\"Anything else?\",\"max_new_tokens\":8}");

    @Test
    void answersAreShownBesideTheExpectedOnesAndCounted(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("s.jsonl"), STREAM);
        DemoStream stream = DemoStream.read(file, "test");
        DemoTally tally = new DemoTally(stream.scoredQueries());
        DemoOutputs outputs = new DemoOutputs(stream, tally, new DemoProgress());
        List<String> lines = new ArrayList<>();

        outputs.take(answer("q1", "Ferret."), lines::add);
        outputs.take(answer("q2", "4812"), lines::add);
        outputs.take(answer("q4", "Nothing."), lines::add);
        // q3 never answered: it counts among the scored queries, not among the correct ones

        assertEquals("query   s/q1: \"What is my pet?\"", lines.get(0));
        // the same normalisation as the training's evaluation: case and punctuation do not count
        assertTrue(lines.get(1).startsWith("answer  s/q1: \"Ferret.\"  expected \"ferret\": right  [stop, "), lines.get(1));
        assertTrue(lines.get(3).startsWith("answer  s/q2: \"4812\"  expected \"4821\": wrong  [stop, "), lines.get(3));
        // a query without an expected answer is shown as it is, and not scored
        assertTrue(lines.get(5).startsWith("answer  s/q4: \"Nothing.\"  [stop, "), lines.get(5));
        assertTrue(tally.summary(1).startsWith("summary: sessions=0 events=0 answers=3 correct=1/3 rejected=0 "), tally.summary(1));
    }

    @Test
    void aStreamWithoutExpectedAnswersHasNoScore(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("s.jsonl"), STREAM.lines().skip(4).findFirst().orElseThrow());
        DemoStream stream = DemoStream.read(file, "test");
        DemoTally tally = new DemoTally(stream.scoredQueries());
        new DemoOutputs(stream, tally, new DemoProgress()).take(answer("q4", "Nothing."), line -> { });

        assertTrue(tally.summary(1).startsWith("summary: sessions=0 events=0 answers=1 rejected=0 "), tally.summary(1));
    }

    @Test
    void theSampleIsGeneratedTheSameEveryTimeWithAnExpectedAnswerForEveryQuery() {
        DemoStream a = DemoStream.sample("test");
        DemoStream b = DemoStream.sample("test");
        // the same events but for their time (now, when read)
        assertEquals(a.events().size(), b.events().size());
        for (int i = 0; i < a.events().size(); i++) {
            assertEquals(a.events().get(i).getEventId(), b.events().get(i).getEventId());
            assertEquals(a.events().get(i).getPayload(), b.events().get(i).getPayload());
        }
        long queries = a.events().stream().filter(e -> e.getPayload() instanceof Query).count();
        assertEquals(11, queries);
        assertEquals(queries, a.scoredQueries());
    }

    private static Answer answer(String query, String text) {
        return Answer.newBuilder().setSessionId("s").setQueryId(query).setText(text).setTokenIds(List.of(1, 2))
                .setFinishReason("stop").setPromptTokens(5).setCachedTokens(12).setTimeToFirstTokenMs(3).setTotalLatencyMs(4)
                .setPolicy("full").setModel("m").build();
    }
}
