package io.longstream.jobs.local;

import io.longstream.conversations.ConversationGenerator;
import io.longstream.conversations.ConversationJson;
import io.longstream.conversations.ConversationSpec;
import io.longstream.conversations.ExpectedAnswer;
import io.longstream.jobs.io.EventJson;
import io.longstream.schemas.SessionEvent;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the demo plays: the events of a JSON-lines stream, and the expected answer of each query line that carries one
 * (as {@code longstream conversations} writes them), by session and query id.
 */
final class DemoStream {
    /**
     * The sample: three generated conversations of about 600–1,100 tokens, from a seed the demo model never saw (it
     * trained on seeds 1 and 3, and was evaluated on 2). Of the held-out seeds 5–11, this one's sample scores near the
     * model's average on short sessions, with right, wrong and half-right answers.
     */
    static final ConversationSpec SAMPLE = new ConversationSpec(6, 3, 250, 450);

    private final List<SessionEvent> events;
    private final Map<String, ExpectedAnswer> expected = new HashMap<>();

    private DemoStream(String jsonLines, String producer) throws IOException {
        events = new EventJson(producer).readAll(new StringReader(jsonLines));
        for (ExpectedAnswer a : ConversationJson.expectedAnswers(new StringReader(jsonLines))) {
            expected.put(key(a.session(), a.queryId()), a);
        }
    }

    /** The sample, generated afresh: the same seed writes the same bytes. */
    static DemoStream sample(String producer) {
        StringWriter lines = new StringWriter();
        try {
            ConversationJson.write(new ConversationGenerator(SAMPLE), lines);
            return new DemoStream(lines.toString(), producer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot generate the sample stream", e);
        }
    }

    static DemoStream read(Path file, String producer) throws IOException {
        return new DemoStream(Files.readString(file, StandardCharsets.UTF_8), producer);
    }

    List<SessionEvent> events() {
        return events;
    }

    /** The queries with an expected answer. */
    int scoredQueries() {
        return expected.size();
    }

    Optional<ExpectedAnswer> expected(String session, String queryId) {
        return Optional.ofNullable(expected.get(key(session, queryId)));
    }

    private static String key(String session, String queryId) {
        return session + '\0' + queryId;
    }
}
