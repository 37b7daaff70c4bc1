package io.longstream.operators;

import static io.longstream.operators.SessionHarness.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Backend;
import io.longstream.inference.Fixtures;
import io.longstream.schemas.Answer;
import io.longstream.schemas.Control;
import io.longstream.schemas.ControlAction;
import io.longstream.schemas.DocumentChunk;
import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Query;
import io.longstream.schemas.SessionEvent;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.CachePolicies;
import io.longstream.state.policy.PolicySpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each cache policy in the session operator: the bound on every memory update, and exact restores. */
class SessionPoliciesTest {
    private static final Path MODEL = Fixtures.model("llama-tiny-f32");
    private static final int BUDGET = 96;

    private static SessionConfig config(String policy) {
        return new SessionConfig(MODEL.toString(), Backend.cpu(1), 64, PolicySpec.parse(policy).withDefaultBudget(BUDGET), CacheDtype.BF16,
                SessionConfig.DEFAULT_LIVE_CACHE_BYTES, 0, SessionConfig.DEFAULT_DECODE_BLOCK, SessionConfig.DEFAULT_MAX_BATCH,
                SessionConfig.DEFAULT_MAX_BATCH_TOKENS);
    }

    /** Documents totalling several budgets, with queries in between. */
    private static List<SessionEvent> stream(int from, int to) {
        List<SessionEvent> events = new ArrayList<>();
        for (int i = from; i < to; i++) {
            events.add(event("s", "d" + i, DocumentChunk.newBuilder().setDocId("d" + i)
                    .setText("Log " + i + ": the tide turned, the ferry left pier " + i + " and fog lifted.").setMetadata(Map.of()).build()));
            if (i % 3 == 2) {
                events.add(event("s", "q" + i, Query.newBuilder().setQueryId("q" + i).setText("Which pier?").setMaxNewTokens(5).build()));
            }
        }
        return events;
    }

    @ParameterizedTest
    @ValueSource(strings = {"window", "sinks", "sinks:start=2", "lacache"})
    void theBudgetHoldsAndARestoredSessionAnswersAsAnUninterruptedOne(String policy) throws Exception {
        List<SessionEvent> before = stream(0, 9);
        List<SessionEvent> after = stream(9, 15);
        List<Answer> uninterrupted;
        List<MemoryUpdate> updates;
        try (SessionHarness h = SessionHarness.open(config(policy))) {
            h.send(before.toArray(new SessionEvent[0])).send(after.toArray(new SessionEvent[0]));
            uninterrupted = h.answers();
            updates = h.memory();
            assertEquals(List.of(), h.rejects());
        }
        assertTrue(updates.stream().anyMatch(m -> m.getEvictions() > 0), policy + " evicted nothing: make the stream longer");
        int target = BUDGET - CachePolicies.build(config(policy).policy(), 2, config(policy).chunk()).chunk();
        for (MemoryUpdate m : updates) {
            for (int entries : m.getCacheEntriesPerLayer()) {
                assertTrue(entries <= target, policy + ": " + entries + " entries after compaction, T = " + target);
            }
        }
        OperatorSubtaskState state;
        try (SessionHarness h = SessionHarness.open(config(policy))) {
            h.send(before.toArray(new SessionEvent[0]));
            state = h.snapshot();
        }
        try (SessionHarness restored = SessionHarness.restore(config(policy), state)) {
            List<Answer> answers = restored.send(after.toArray(new SessionEvent[0])).answers();
            List<Answer> expected = uninterrupted.subList(uninterrupted.size() - answers.size(), uninterrupted.size());
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(expected.get(i).getTokenIds(), answers.get(i).getTokenIds(), policy + ": answer " + i + " after restore");
            }
            assertTrue(answers.get(0).getPolicy().startsWith(policy.split(":")[0]), answers.get(0).getPolicy());
        }
    }

    @Test
    void setPolicyCompactsTheSessionAtOnceAndAppliesToItAlone() throws Exception {
        try (SessionHarness h = SessionHarness.open(config("full"))) {
            List<SessionEvent> events = new ArrayList<>(stream(0, 2));
            events.add(event("s", "switch", Control.newBuilder().setAction(ControlAction.SET_POLICY).setPolicySpec("sinks:budget=48").build()));
            events.add(event("s", "ask", Query.newBuilder().setQueryId("ask").setText("Which pier?").setMaxNewTokens(5).build()));
            events.add(event("other", "o", Query.newBuilder().setQueryId("o").setText("Which pier?").setMaxNewTokens(5).build()));
            events.add(event("s", "bad", Control.newBuilder().setAction(ControlAction.SET_POLICY).setPolicySpec("sinks:budget=4").build()));
            h.send(events.toArray(new SessionEvent[0]));
            MemoryUpdate switched = h.memory().stream().filter(m -> m.getStatus().startsWith("policy ")).findFirst().orElseThrow();
            assertEquals("policy sinks:start=4,budget=48", switched.getStatus());
            assertTrue(switched.getCacheEntriesPerLayer().get(0) <= 24, "compacted to T = 48 - 24 at once: " + switched);
            Map<String, String> policies = new HashMap<>();
            h.answers().forEach(a -> policies.put(a.getQueryId(), a.getPolicy()));
            assertEquals("sinks:start=4,budget=48", policies.get("ask"));
            assertEquals("full:budget=96", policies.get("o"), "another session keeps the job's policy");
            assertEquals(1, h.rejects().size());
            assertTrue(h.rejects().get(0).getReason().startsWith("SET_POLICY sinks:budget=4: "), h.rejects().get(0).getReason());
        }
    }
}
