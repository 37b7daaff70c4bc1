package io.longstream.operators;

import static io.longstream.operators.SessionHarness.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Backend;
import io.longstream.inference.Fixtures;
import io.longstream.schemas.Answer;
import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.PolicySpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

/**
 * How the operator's ticks are made up: within the token budget (a step larger than it runs alone), answers before
 * prefill chunks, prefill chunks first come first served, the same order after a restore, and the same answers whatever
 * the budget.
 */
class SessionTicksTest {
    private static final Path MODEL = Fixtures.model("llama-tiny-f32");
    /** The prefill chunk (c* under full); a query's prompt and answer fit in it. */
    private static final int CHUNK = 32;

    private static SessionConfig config(int maxBatchTokens) {
        return new SessionConfig(MODEL.toString(), Backend.cpu(1), CHUNK, PolicySpec.parse("full"), CacheDtype.BF16,
                SessionConfig.DEFAULT_LIVE_CACHE_BYTES, 0, SessionConfig.DEFAULT_DECODE_BLOCK, SessionConfig.DEFAULT_MAX_BATCH,
                maxBatchTokens);
    }

    /** Every tick's steps, in the order the ticks took them. */
    private static final class Ticks implements TickListener {
        private static final long serialVersionUID = 1L;
        final List<List<Step>> ticks = new ArrayList<>();

        @Override
        public void ran(List<Step> steps) {
            ticks.add(List.copyOf(steps));
        }

        /** Each step as session:kind, all ticks in a row. */
        List<String> steps() {
            return ticks.stream().flatMap(List::stream).map(s -> s.session() + ":" + s.kind()).collect(Collectors.toList());
        }
    }

    @Test
    void aTickStaysWithinItsTokenBudgetExceptForOneLargerStepAloneAndAnswersDoNotDependOnIt() throws Exception {
        SessionEvent[] events = sessions(6);
        Map<String, List<Integer>> reference = null;
        for (int budget : new int[] {1, 100, SessionConfig.DEFAULT_MAX_BATCH_TOKENS}) {
            Ticks ticks = new Ticks();
            Map<String, List<Integer>> answers;
            try (SessionHarness h = SessionHarness.open(config(budget), ticks)) {
                answers = answers(h.send(events).answers());
            }
            assertEquals(12, answers.size(), "every query answered under a budget of " + budget);
            for (List<TickListener.Step> tick : ticks.ticks) {
                int tokens = tick.stream().mapToInt(TickListener.Step::tokens).sum();
                assertTrue(tokens <= budget || tick.size() == 1, "budget " + budget + ", tick " + tick);
            }
            int widest = ticks.ticks.stream().mapToInt(List::size).max().orElse(0);
            if (budget < CHUNK) {
                assertEquals(1, widest, "every step is larger than " + budget + " tokens: each runs alone");
                assertTrue(ticks.ticks.stream().anyMatch(t -> t.get(0).tokens() > budget), "steps over the budget ran");
            } else {
                assertTrue(widest > 1, "a budget of " + budget + " batches steps: " + ticks.ticks);
            }
            if (reference == null) {
                reference = answers;
            }
            assertEquals(reference, answers, "answers under a budget of " + budget + " as under one token a tick");
        }
    }

    @Test
    void answersGoFirstThenPrefillChunksInTheOrderTheirWorkArrived() throws Exception {
        // a's long document came first, then b's document and query, then c's query on a session that holds nothing
        SessionEvent[] events = {doc("a", "a1", "tide ".repeat(100)), doc("b", "b1", "Fog at the pier."), query("b", "b2"),
            query("c", "c1")};

        Ticks oneChunk = new Ticks();
        try (SessionHarness h = SessionHarness.open(config(CHUNK), oneChunk)) {
            h.send(events);
        }
        List<String> steps = oneChunk.steps();
        assertEquals("c:ANSWER", steps.get(0), "the answer goes before older prefill work: " + steps);
        int lastOfA = steps.lastIndexOf("a:PREFILL");
        assertTrue(lastOfA >= 3, "a's document takes several chunks: " + steps);
        assertEquals(Collections.nCopies(lastOfA, "a:PREFILL"), steps.subList(1, lastOfA + 1), "a's document runs through first: " + steps);
        assertEquals(List.of("b:PREFILL", "b:ANSWER"), steps.subList(lastOfA + 1, steps.size()), steps.toString());

        Ticks large = new Ticks();
        try (SessionHarness h = SessionHarness.open(config(SessionConfig.DEFAULT_MAX_BATCH_TOKENS), large)) {
            h.send(events);
        }
        assertEquals(List.of("c:ANSWER", "a:PREFILL", "b:PREFILL"),
                large.ticks.get(0).stream().map(s -> s.session() + ":" + s.kind()).collect(Collectors.toList()),
                "one tick: the answer, then the chunks by arrival");
    }

    @Test
    void aRestoreTakesUpTheSameOrderFromState() throws Exception {
        // names against the order of arrival, so that no order by name passes for the order of arrival
        SessionEvent[] events = {doc("z", "z1", "tide ".repeat(100)), doc("y", "y1", "Fog at the pier."), query("y", "y2"),
            query("x", "x1"), turn("z", "z2", "user", "And the cargo?"), query("z", "z3")};
        Ticks uninterrupted = new Ticks();
        List<Answer> expected;
        try (SessionHarness h = SessionHarness.open(config(CHUNK), uninterrupted)) {
            expected = h.send(events).answers();
        }
        Ticks beforeCut = new Ticks();
        Ticks afterCut = new Ticks();
        OperatorSubtaskState state;
        List<Answer> answers = new ArrayList<>();
        try (SessionHarness h = SessionHarness.open(config(CHUNK), beforeCut)) {
            h.enqueue(events).fire(3);
            state = h.snapshot();
            answers.addAll(h.answers());
        }
        try (SessionHarness h = SessionHarness.restore(config(CHUNK), state, afterCut)) {
            answers.addAll(h.send().answers());
        }
        List<String> steps = new ArrayList<>(beforeCut.steps());
        steps.addAll(afterCut.steps());
        assertEquals(uninterrupted.steps(), steps, "the ticks' steps, with a restore after the third tick");
        assertEquals(answers(expected), answers(answers));
    }

    /** {@code count} sessions, each a document of its own length, a query, a turn and a query, interleaved. */
    private static SessionEvent[] sessions(int count) {
        List<SessionEvent> events = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            for (int s = 0; s < count; s++) {
                String session = "s" + s;
                String id = session + "-" + i;
                events.add(switch (i) {
                    case 0 -> doc(session, id, "The ferry left pier four. ".repeat(1 + 2 * s));
                    case 2 -> turn(session, id, "user", "And the cargo?");
                    default -> query(session, id);
                });
            }
        }
        return events.toArray(new SessionEvent[0]);
    }

    private static SessionEvent doc(String session, String id, String text) {
        return event(session, id, DocumentChunk.newBuilder().setDocId(id).setText(text).setMetadata(Map.of()).build());
    }

    private static SessionEvent turn(String session, String id, String role, String text) {
        return event(session, id, ConversationTurn.newBuilder().setRole(role).setText(text).build());
    }

    private static SessionEvent query(String session, String id) {
        return event(session, id, Query.newBuilder().setQueryId(id).setText("What was the tide?").setMaxNewTokens(8).build());
    }

    private static Map<String, List<Integer>> answers(List<Answer> answers) {
        Map<String, List<Integer>> out = new TreeMap<>();
        for (Answer a : answers) {
            out.put(a.getSessionId() + "/" + a.getQueryId(), a.getTokenIds());
        }
        return out;
    }
}
