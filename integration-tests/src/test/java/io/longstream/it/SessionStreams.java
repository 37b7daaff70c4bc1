package io.longstream.it;

import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Seeded streams of interleaved sessions: documents, user and assistant turns, and queries. */
final class SessionStreams {
    private static final String[] WORDS = {"harbor", "ferry", "cargo", "fog", "pier", "tug", "mast", "crew", "tide",
        "sourdough", "flour", "salt", "oven", "router", "wifi", "band", "signal", "ledger", "invoice", "meeting"};

    private SessionStreams() {
    }

    /** {@code sessions} sessions of {@code eventsPerSession} events each, interleaved round-robin. */
    static List<SessionEvent> interleaved(String prefix, int sessions, int eventsPerSession, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<SessionEvent> events = new ArrayList<>();
        for (int i = 0; i < eventsPerSession; i++) {
            for (int s = 0; s < sessions; s++) {
                String session = prefix + "-" + s;
                String id = session + "-e" + i;
                Object payload;
                if (i % 3 == 2) {
                    Query.Builder q = Query.newBuilder().setQueryId("q" + i).setText("What about the " + word(random) + "?")
                            .setMaxNewTokens(6);
                    if (s % 2 == 1) {
                        // sampled answers: their seed is derived from (session, query)
                        q.setTemperature(0.9f).setTopP(0.95f);
                    }
                    payload = q.build();
                } else if (i % 3 == 1) {
                    payload = ConversationTurn.newBuilder().setRole(i % 2 == 0 ? "assistant" : "user").setText(sentence(random, 6)).build();
                } else {
                    payload = DocumentChunk.newBuilder().setDocId("doc" + i).setText(sentence(random, 10 + random.nextInt(20)))
                            .setMetadata(Map.of()).build();
                }
                events.add(event(session, id, payload));
            }
        }
        return events;
    }

    static SessionEvent event(String session, String id, Object payload) {
        return SessionEvent.newBuilder().setSessionId(session).setEventId(id).setEventTime(Instant.ofEpochMilli(0))
                .setProducer("integration-test").setPayload(payload).build();
    }

    private static String sentence(SplittableRandom random, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(i == 0 ? "" : " ").append(word(random));
        }
        return sb.append('.').toString();
    }

    private static String word(SplittableRandom random) {
        return WORDS[random.nextInt(WORDS.length)];
    }
}
