package io.longstream.operators;

import static io.longstream.operators.SessionHarness.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.longstream.inference.Backend;
import io.longstream.inference.Fixtures;
import io.longstream.schemas.Answer;
import io.longstream.schemas.Control;
import io.longstream.schemas.ControlAction;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Query;
import io.longstream.schemas.Rejected;
import io.longstream.schemas.SessionEvent;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.PolicySpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.FlinkRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Nothing one session's event does fails the job: each kind of step is made to throw for one session, among events
 * of another; the event lands in the rejects with the reason, both sessions then answer exactly as a run that never
 * saw that event (so nothing the failed step half did stays: not in Flink state, not in the live cache), and the
 * other session never notices. What is not a session's fault (an Error, Flink's own exceptions) still fails the job.
 */
class SessionStepFailuresTest {
    private static final Path MODEL = Fixtures.model("llama-tiny-f32");
    private static final SessionConfig CONFIG = new SessionConfig(MODEL.toString(), Backend.cpu(1), 32, PolicySpec.parse("full"), CacheDtype.BF16,
                SessionConfig.DEFAULT_LIVE_CACHE_BYTES, 0, SessionConfig.DEFAULT_DECODE_BLOCK, SessionConfig.DEFAULT_MAX_BATCH,
                SessionConfig.DEFAULT_MAX_BATCH_TOKENS);

    /** Throws at the n-th step of {@code kind} done for {@code session}. */
    private static final class FailNth implements StepFaults {
        private static final long serialVersionUID = 1L;

        enum Thrown { SESSION_FAULT, ERROR, FLINK }

        private final StepKind kind;
        private final String session;
        private final int n;
        private final Thrown thrown;
        private int seen;

        FailNth(StepKind kind, String session, int n, Thrown thrown) {
            this.kind = kind;
            this.session = session;
            this.n = n;
            this.thrown = thrown;
        }

        @Override
        public void check(StepKind k, String s) {
            if (k != kind || !s.equals(session) || ++seen != n) {
                return;
            }
            String message = "injected " + kind + " fault";
            switch (thrown) {
                case ERROR:
                    throw new InternalError(message);
                case FLINK:
                    throw new FlinkRuntimeException(message);
                default:
                    throw new IllegalStateException(message);
            }
        }
    }

    private static SessionEvent doc(String session, String id, String text) {
        return event(session, id, DocumentChunk.newBuilder().setDocId(id).setText(text).setMetadata(Map.of()).build());
    }

    private static SessionEvent query(String session, String id) {
        return event(session, id, Query.newBuilder().setQueryId(id).setText("Which pier?").setMaxNewTokens(6).build());
    }

    private static SessionEvent control(String session, String id, ControlAction action, String spec) {
        return event(session, id, Control.newBuilder().setAction(action).setPolicySpec(spec).build());
    }

    private static final SessionEvent D1 = doc("bad", "d1", "The ferry left pier four at dawn.");
    private static final SessionEvent D2 = doc("bad", "d2", "Fog closed the harbor by noon.");
    private static final SessionEvent D3 = doc("bad", "d3", "The tug Kestrel towed a yacht in.");
    private static final SessionEvent Q1 = query("bad", "q1");
    private static final SessionEvent Q2 = query("bad", "q2");
    private static final SessionEvent Q3 = query("bad", "q3");

    /** The other session, answered all along. */
    private static final List<SessionEvent> GOOD = List.of(doc("good", "g1", "Cargo ship Meridian docked at pier nine."),
            query("good", "gq1"), doc("good", "g2", "Forty containers were unloaded."), query("good", "gq2"),
            query("good", "gq3"));

    static Stream<Arguments> failures() {
        SessionEvent longDoc = doc("bad", "d1", "Log: the tide turned, the ferry left pier four and the fog lifted. ".repeat(4));
        return Stream.of(
                // the kind made to throw, at its n-th step for the session; the session's events; the one rejected
                arguments(StepKind.RESTORE, 1, List.of(D1, Q1), "d1"),
                arguments(StepKind.TOKENIZE, 2, List.of(D1, D2, Q1), "d2"),
                // the second chunk: its cache was changed in memory before the fault, and must not be used after
                arguments(StepKind.PREFILL, 2, List.of(D1, Q1, D2, Q2, D3, Q3), "d2"),
                arguments(StepKind.ANSWER, 1, List.of(D1, Q1, Q2), "q1"),
                // RESET: pages were cleared in the step; the session must still answer from them after
                arguments(StepKind.CONTROL, 1, List.of(D1, Q1, control("bad", "r", ControlAction.RESET, null), Q2), "r"),
                // the switch compacted the live cache before the fault; the session must keep the full one
                arguments(StepKind.SET_POLICY, 1, List.of(longDoc, Q1, control("bad", "p", ControlAction.SET_POLICY, "sinks:budget=48"), Q2), "p"),
                arguments(StepKind.PERSIST, 2, List.of(D1, Q1, D2, Q2, D3, Q3), "d2"));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void aStepThatThrowsRejectsItsEventAndEverySessionGoesOnAsIfItNeverCame(StepKind kind, int n, List<SessionEvent> bad,
                                                                          String rejectedId) throws Exception {
        List<SessionEvent> events = interleave(bad, GOOD);
        List<SessionEvent> without = new ArrayList<>(events);
        without.removeIf(e -> e.getEventId().equals(rejectedId));
        try (SessionHarness failing = SessionHarness.open(CONFIG, new FailNth(kind, "bad", n, FailNth.Thrown.SESSION_FAULT));
             SessionHarness reference = SessionHarness.open(CONFIG)) {
            failing.send(events.toArray(new SessionEvent[0]));
            reference.send(without.toArray(new SessionEvent[0]));

            List<Rejected> rejects = failing.rejects();
            assertEquals(1, rejects.size(), "one reject: " + rejects);
            assertEquals(offsetOf(events, rejectedId), rejects.get(0).getOffset(), "the reject names the failed event's record");
            String reason = rejects.get(0).getReason();
            assertTrue(reason.startsWith(kind.label + ": injected " + kind + " fault"), reason);
            assertEquals(List.of(), reference.rejects());

            Map<String, Answer> answers = byQuery(failing.answers());
            Map<String, Answer> expected = byQuery(reference.answers());
            assertEquals(expected.keySet(), answers.keySet(), "every query but a rejected one is answered");
            assertTrue(answers.keySet().containsAll(List.of("gq1", "gq2", "gq3")));
            for (String q : expected.keySet()) {
                assertEquals(expected.get(q).getTokenIds(), answers.get(q).getTokenIds(), q);
                assertEquals(expected.get(q).getCachedTokens(), answers.get(q).getCachedTokens(), q);
                assertEquals(expected.get(q).getPolicy(), answers.get(q).getPolicy(), q);
            }
        }
    }

    @Test
    void aSwitchToLacacheFarBelowTheCacheCompactsInRoundsAndTheSessionGoesOn() throws Exception {
        SessionConfig bigChunks = new SessionConfig(MODEL.toString(), Backend.cpu(1), 512, PolicySpec.parse("full"), CacheDtype.BF16,
                SessionConfig.DEFAULT_LIVE_CACHE_BYTES, 0, SessionConfig.DEFAULT_DECODE_BLOCK, SessionConfig.DEFAULT_MAX_BATCH,
                SessionConfig.DEFAULT_MAX_BATCH_TOKENS);
        try (SessionHarness h = SessionHarness.open(bigChunks)) {
            List<SessionEvent> events = new ArrayList<>(GOOD);
            events.add(1, doc("bad", "big", "tide and fog at the pier ".repeat(300)));
            events.add(3, control("bad", "p", ControlAction.SET_POLICY, "lacache:budget=128"));
            events.add(query("bad", "q"));
            h.send(events.toArray(new SessionEvent[0]));
            assertEquals(List.of(), h.rejects());
            List<MemoryUpdate> updates = h.memory().stream().filter(m -> m.getSessionId().equals("bad")).collect(Collectors.toList());
            int at = updates.indexOf(updates.stream().filter(m -> m.getStatus().startsWith("policy lacache")).findFirst().orElseThrow());
            MemoryUpdate before = updates.get(at - 1);
            MemoryUpdate switched = updates.get(at);
            assertTrue(before.getCacheEntriesPerLayer().get(0) > 1000, "the cache held the document: " + before);
            // lacache with B = 128, L = 2: c* = 61, so T = 67
            assertTrue(switched.getCacheEntriesPerLayer().get(0) <= 67, "compacted within T at once: " + switched);
            assertEquals(Map.of("gq1", "good", "gq2", "good", "gq3", "good", "q", "bad"), sessionsByQuery(h.answers()));
        }
    }

    @Test
    void anErrorOrFlinksOwnExceptionStillFailsTheJob() throws Exception {
        for (FailNth.Thrown thrown : List.of(FailNth.Thrown.ERROR, FailNth.Thrown.FLINK)) {
            try (SessionHarness h = SessionHarness.open(CONFIG, new FailNth(StepKind.TOKENIZE, "bad", 1, thrown))) {
                Throwable failed = assertThrows(Throwable.class, () -> h.send(D1, Q1));
                assertTrue(ExceptionUtils.findThrowableWithMessage(failed, "injected TOKENIZE fault").isPresent(), failed.toString());
            }
        }
    }

    private static List<SessionEvent> interleave(List<SessionEvent> a, List<SessionEvent> b) {
        List<SessionEvent> out = new ArrayList<>();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            if (i < a.size()) {
                out.add(a.get(i));
            }
            if (i < b.size()) {
                out.add(b.get(i));
            }
        }
        return out;
    }

    private static long offsetOf(List<SessionEvent> events, String id) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).getEventId().equals(id)) {
                return i;
            }
        }
        throw new IllegalArgumentException(id);
    }

    private static Map<String, Answer> byQuery(List<Answer> answers) {
        Map<String, Answer> out = new TreeMap<>();
        answers.forEach(a -> out.put(a.getQueryId(), a));
        return out;
    }

    private static Map<String, String> sessionsByQuery(List<Answer> answers) {
        Map<String, String> out = new TreeMap<>();
        answers.forEach(a -> out.put(a.getQueryId(), a.getSessionId()));
        return out;
    }
}
