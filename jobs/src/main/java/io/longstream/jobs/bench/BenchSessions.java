package io.longstream.jobs.bench;

import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generated sessions for the pipeline benchmark, the same for the same seed: each session's events cycle through a
 * document (50 to 90 words, a few hundred tokens), a query, a user turn and a query, and its last event is always a query, so an answer
 * closes every session. Events are in send order: every session's first event, then every session's second, and so on.
 */
public final class BenchSessions {
    static final String PRODUCER = "longstream-bench";
    private static final String[] WORDS = {"stream", "memory", "cache", "token", "session", "answer", "river", "window",
        "ledger", "harbor", "signal", "garden", "engine", "number", "silver", "market", "winter", "paper", "orbit", "bridge",
        "forest", "copper", "letter", "season", "planet", "castle", "mirror", "circle", "motion", "pattern", "village",
        "report", "storm", "valley", "record", "battery", "compass", "lantern", "meadow", "rocket"};

    private final List<SessionEvent> events;
    private final int queries;

    private BenchSessions(List<SessionEvent> events) {
        this.events = List.copyOf(events);
        this.queries = (int) events.stream().filter(e -> e.getPayload() instanceof Query).count();
    }

    /** {@code sessions} sessions of {@code eventsPerSession} events; every query asks for {@code answerTokens} new tokens. */
    public static BenchSessions generate(String prefix, int sessions, int eventsPerSession, int answerTokens, long seed) {
        List<List<SessionEvent>> bySession = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + s);
            String session = String.format("%s-%03d", prefix, s);
            List<SessionEvent> mine = new ArrayList<>();
            for (int i = 0; i < eventsPerSession; i++) {
                boolean query = i % 2 == 1 || i == eventsPerSession - 1;
                Object payload;
                if (query) {
                    payload = Query.newBuilder().setQueryId("q" + i).setMaxNewTokens(answerTokens)
                            .setText("What does the text say about the " + word(random) + " and the " + word(random) + "?").build();
                } else if (i % 4 == 0) {
                    payload = DocumentChunk.newBuilder().setDocId("doc" + i).setText(words(random, 50 + random.nextInt(40))).build();
                } else {
                    payload = ConversationTurn.newBuilder().setRole("user").setText(words(random, 5 + random.nextInt(10))).build();
                }
                mine.add(SessionEvent.newBuilder().setSessionId(session).setEventId("e" + i).setEventTime(Instant.now())
                        .setProducer(PRODUCER).setPayload(payload).build());
            }
            bySession.add(mine);
        }
        List<SessionEvent> events = new ArrayList<>();
        for (int i = 0; i < eventsPerSession; i++) {
            for (List<SessionEvent> mine : bySession) {
                events.add(mine.get(i));
            }
        }
        return new BenchSessions(events);
    }

    public List<SessionEvent> events() {
        return events;
    }

    public int queries() {
        return queries;
    }

    /** The key of a query's answer: session and query id. */
    static String key(String session, String queryId) {
        return session + '/' + queryId;
    }

    private static String word(SplittableRandom random) {
        return WORDS[random.nextInt(WORDS.length)];
    }

    private static String words(SplittableRandom random, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(i == 0 ? "" : i % 12 == 0 ? ". " : " ").append(word(random));
        }
        return text.append('.').toString();
    }
}
