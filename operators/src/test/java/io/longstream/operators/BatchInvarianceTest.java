package io.longstream.operators;

import static io.longstream.operators.SessionHarness.event;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.longstream.inference.Backend;
import io.longstream.inference.Fixtures;
import io.longstream.schemas.Answer;
import io.longstream.schemas.Control;
import io.longstream.schemas.ControlAction;
import io.longstream.schemas.ConversationTurn;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.PolicySpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;

/**
 * Batch invariance at the operator: sessions of random policies (epicache included) and random streams (documents,
 * turns, queries, resets) interleaved in one operator that advances up to N of them per tick within a token budget,
 * with a snapshot and a restore somewhere in the middle, answer bit for bit as each session run alone with a batch of
 * one, and leave the same caches.
 */
class BatchInvarianceTest {
    private static final Path MODEL = Fixtures.model("llama-tiny-f32");
    private static final String[] POLICIES = {null, "sinks:budget=96", "window:budget=80", "lacache:budget=96", "epicache:budget=96,utterances=1,alpha=0"};
    private static final String[] WORDS = ("the tide rose at six and the ferry left pier four while fog held the cargo ship "
            + "meridian until noon then forty containers were unloaded by the crane crew").split(" ");

    private static SessionConfig config(int maxBatch, int maxBatchTokens) {
        return new SessionConfig(MODEL.toString(), Backend.cpu(1), 32, PolicySpec.parse("full"), CacheDtype.BF16, SessionConfig.DEFAULT_LIVE_CACHE_BYTES, 0, 3,
                maxBatch, maxBatchTokens);
    }

    @Property(tries = 6)
    void sessionsAnswerInAnyBatchAsAlone(@ForAll @IntRange(min = 2, max = 5) int sessions, @ForAll("batches") int maxBatch,
                                         @ForAll("tokenBudgets") int maxBatchTokens, @ForAll long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        List<List<SessionEvent>> streams = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            streams.add(stream("s" + s, POLICIES[random.nextInt(POLICIES.length)], random));
        }
        Map<String, List<Integer>> alone = new TreeMap<>();
        Map<String, List<Integer>> aloneCaches = new TreeMap<>();
        for (List<SessionEvent> stream : streams) {
            try (SessionHarness h = SessionHarness.open(config(1, SessionConfig.DEFAULT_MAX_BATCH_TOKENS))) {
                h.send(stream.toArray(new SessionEvent[0]));
                alone.putAll(answers(h.answers()));
                aloneCaches.putAll(lastCaches(h.memory()));
            }
        }

        List<SessionEvent> interleaved = interleave(streams, random);
        int cut = random.nextInt(interleaved.size() + 1);
        int ticks = random.nextInt(6);
        Map<String, List<Integer>> batched = new TreeMap<>();
        List<MemoryUpdate> updates = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (SessionHarness h = SessionHarness.open(config(maxBatch, maxBatchTokens))) {
            h.enqueue(interleaved.subList(0, cut).toArray(new SessionEvent[0])).fire(ticks);
            snapshot = h.snapshot();
            batched.putAll(answers(h.answers()));
            updates.addAll(h.memory());
        }
        try (SessionHarness h = SessionHarness.restore(config(maxBatch, maxBatchTokens), snapshot)) {
            h.send(interleaved.subList(cut, interleaved.size()).toArray(new SessionEvent[0]));
            batched.putAll(answers(h.answers()));
            updates.addAll(h.memory());
        }
        assertEquals(alone, batched, "answers of " + sessions + " sessions in batches of " + maxBatch + " and " + maxBatchTokens
                + " tokens, restored after "
                + cut + " events and " + ticks + " ticks");
        assertEquals(aloneCaches, lastCaches(updates), "the caches each session is left with");
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Integer> batches() {
        return net.jqwik.api.Arbitraries.of(2, 3, 16);
    }

    /** Token budgets from one row a tick (every step alone) to more than any tick here takes. */
    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Integer> tokenBudgets() {
        return net.jqwik.api.Arbitraries.of(1, 40, 100, SessionConfig.DEFAULT_MAX_BATCH_TOKENS);
    }

    /** A session's events: its own policy first (or the job's), then documents, turns and queries, now and then a reset. */
    private static List<SessionEvent> stream(String session, String policy, SplittableRandom random) {
        List<SessionEvent> events = new ArrayList<>();
        if (policy != null) {
            events.add(event(session, session + "-p", Control.newBuilder().setAction(ControlAction.SET_POLICY).setPolicySpec(policy).build()));
        }
        int count = 4 + random.nextInt(6);
        for (int i = 0; i < count; i++) {
            String id = session + "-" + i;
            int kind = random.nextInt(10);
            if (kind < 4) {
                events.add(event(session, id, DocumentChunk.newBuilder().setDocId(id).setText(text(random, 10 + random.nextInt(60)))
                        .setMetadata(Map.of()).build()));
            } else if (kind < 7) {
                events.add(event(session, id, ConversationTurn.newBuilder().setRole(random.nextBoolean() ? "user" : "assistant")
                        .setText(text(random, 3 + random.nextInt(15))).build()));
            } else if (kind < 9 || policy != null) {
                events.add(event(session, id, Query.newBuilder().setQueryId(id).setText(text(random, 3 + random.nextInt(6)))
                        .setMaxNewTokens(1 + random.nextInt(8)).build()));
            } else {
                events.add(event(session, id, Control.newBuilder().setAction(ControlAction.RESET).build()));
            }
        }
        events.add(event(session, session + "-last", Query.newBuilder().setQueryId(session + "-last").setText("what left first")
                .setMaxNewTokens(6).build()));
        return events;
    }

    private static String text(SplittableRandom random, int words) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < words; i++) {
            s.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return s.append('.').toString();
    }

    /** Each session's events in order, the sessions' interleaved at random. */
    private static List<SessionEvent> interleave(List<List<SessionEvent>> streams, SplittableRandom random) {
        List<SessionEvent> out = new ArrayList<>();
        int[] next = new int[streams.size()];
        int left = streams.stream().mapToInt(List::size).sum();
        while (left-- > 0) {
            int s;
            do {
                s = random.nextInt(streams.size());
            } while (next[s] == streams.get(s).size());
            out.add(streams.get(s).get(next[s]++));
        }
        return out;
    }

    private static Map<String, List<Integer>> answers(List<Answer> answers) {
        Map<String, List<Integer>> out = new TreeMap<>();
        for (Answer a : answers) {
            out.put(a.getSessionId() + "/" + a.getQueryId(), a.getTokenIds());
        }
        return out;
    }

    /** The entries per layer each session's last memory update reports. */
    private static Map<String, List<Integer>> lastCaches(List<MemoryUpdate> updates) {
        Map<String, List<Integer>> out = new TreeMap<>();
        for (MemoryUpdate u : updates) {
            out.put(u.getSessionId(), u.getCacheEntriesPerLayer());
        }
        return out;
    }
}
