package io.longstream.operators;

import static io.longstream.operators.SessionHarness.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Backend;
import io.longstream.inference.Fixtures;
import io.longstream.schemas.Answer;
import io.longstream.schemas.Control;
import io.longstream.schemas.ControlAction;
import io.longstream.schemas.ConversationTurn;
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
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

/** epicache in the session operator, with the real segment encoder and RocksDB state. */
class EpisodicSessionsTest {
    private static final Path MODEL = Fixtures.model("llama-tiny-f32");
    /** B = 128 per episode, C = 512: c* = 32, Pcap = 32, H = 64, M = 64. */
    private static final int BUDGET = 128;
    private static final int RETAINED = 64;
    private static final String[] TOPICS = {
        "the ferry to the island leaves the harbour at dawn",
        "bread needs flour, water, salt and a long proof",
        "the office router drops the wifi every afternoon",
        "the invoice for March was paid twice by accident"};

    private static SessionConfig config(long liveCacheBytes) {
        return new SessionConfig(MODEL.toString(), Backend.cpu(1), 512, PolicySpec.parse("epicache").withDefaultBudget(BUDGET), CacheDtype.BF16,
                liveCacheBytes, 0, SessionConfig.DEFAULT_DECODE_BLOCK, SessionConfig.DEFAULT_MAX_BATCH,
                SessionConfig.DEFAULT_MAX_BATCH_TOKENS);
    }

    /** A conversation that changes topic every four turns, with a question now and then. */
    private static List<SessionEvent> conversation(int from, int to) {
        return conversation("s", from, to);
    }

    private static List<SessionEvent> conversation(String session, int from, int to) {
        List<SessionEvent> events = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String topic = TOPICS[(i / 4) % TOPICS.length];
            events.add(event(session, "t" + i, ConversationTurn.newBuilder().setRole(i % 2 == 0 ? "user" : "assistant")
                    .setText("Turn " + i + ": " + topic + ".").build()));
            if (i % 7 == 6) {
                events.add(event(session, "q" + i, Query.newBuilder().setQueryId("q" + i).setText("What about " + topic.split(" ")[1] + "?")
                        .setMaxNewTokens(6).build()));
            }
        }
        return events;
    }

    private static SessionEvent[] array(List<SessionEvent> events) {
        return events.toArray(new SessionEvent[0]);
    }

    @Test
    void episodeCachesStayWithinTheirLayerBudgetsAndNothingIsRejected() throws Exception {
        try (SessionHarness h = SessionHarness.open(config(SessionConfig.DEFAULT_LIVE_CACHE_BYTES))) {
            h.send(array(conversation(0, 40)));
            assertEquals(List.of(), h.rejects());
            List<MemoryUpdate> updates = h.memory();
            MemoryUpdate last = updates.get(updates.size() - 1);
            assertEquals("4", last.getDetail().get("episodes"), "E caches after E segments: " + last);
            assertEquals("10", last.getDetail().get("segments"), "40 turns in segments of 4");
            assertTrue(last.getEvictions() > 0, "the stream outgrew the budget: " + last);
            // α = 1.1 on the model's profile: layer 0's keys never change with context, so it keeps the floor M/4
            assertEquals("[16, 112]", last.getDetail().get("layer_budgets"));
            int[] layerBudgets = {16, 112};
            for (MemoryUpdate m : updates) {
                List<Integer> perLayer = m.getCacheEntriesPerLayer();
                for (int l = 0; l < perLayer.size(); l++) {
                    assertTrue(perLayer.get(l) <= layerBudgets[l], "after compaction layer l holds at most b_l on average: " + m);
                }
                assertTrue(perLayer.stream().mapToInt(Integer::intValue).sum() <= 2 * RETAINED, "sum of b_l <= L·M: " + m);
            }
            assertEquals(5, h.answers().size());
            for (Answer a : h.answers()) {
                assertTrue(a.getCachedTokens() <= RETAINED * 2, "an answer attends one episode cache: " + a);
                assertTrue(a.getPolicy().startsWith("epicache:episodes=4,utterances=4,medoids=8,level=pair,"), a.getPolicy());
            }
        }
    }

    @Test
    void aSessionRestoredFromItsPagesSegmentsAndClusteringAnswersAsAnUninterruptedOne() throws Exception {
        List<SessionEvent> before = conversation(0, 22);
        List<SessionEvent> after = conversation(22, 44);
        List<Answer> uninterrupted;
        try (SessionHarness h = SessionHarness.open(config(SessionConfig.DEFAULT_LIVE_CACHE_BYTES))) {
            uninterrupted = h.send(array(before)).send(array(after)).answers();
        }
        OperatorSubtaskState state;
        try (SessionHarness h = SessionHarness.open(config(SessionConfig.DEFAULT_LIVE_CACHE_BYTES))) {
            state = h.send(array(before)).snapshot();
        }
        try (SessionHarness restored = SessionHarness.restore(config(SessionConfig.DEFAULT_LIVE_CACHE_BYTES), state)) {
            List<Answer> answers = restored.send(array(after)).answers();
            List<Answer> expected = uninterrupted.subList(uninterrupted.size() - answers.size(), uninterrupted.size());
            assertEquals(3, answers.size());
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(expected.get(i).getTokenIds(), answers.get(i).getTokenIds(), "answer " + i + " after restore");
            }
        }
    }

    @Test
    void sessionsRebuiltFromRocksDbAtEveryStepAnswerAsLiveOnes() throws Exception {
        // two sessions in turn and no room for live copies: each step rebuilds its session's episodes from state
        List<SessionEvent> events = new ArrayList<>();
        List<SessionEvent> a = conversation("a", 0, 30);
        List<SessionEvent> b = conversation("b", 0, 30);
        for (int i = 0; i < a.size(); i++) {
            events.add(a.get(i));
            events.add(b.get(i));
        }
        List<Answer> live;
        try (SessionHarness h = SessionHarness.open(config(SessionConfig.DEFAULT_LIVE_CACHE_BYTES))) {
            live = h.send(array(events)).answers();
        }
        try (SessionHarness fromState = SessionHarness.open(config(0))) {
            List<Answer> rebuilt = fromState.send(array(events)).answers();
            assertEquals(8, rebuilt.size());
            assertEquals(live.stream().map(x -> x.getSessionId() + "/" + x.getQueryId() + x.getTokenIds()).sorted().toList(),
                    rebuilt.stream().map(x -> x.getSessionId() + "/" + x.getQueryId() + x.getTokenIds()).sorted().toList());
        }
    }

    @Test
    void documentsAreSegmentedInPiecesAndQueriesPastTheHeadroomAreRejected() throws Exception {
        try (SessionHarness h = SessionHarness.open(config(SessionConfig.DEFAULT_LIVE_CACHE_BYTES))) {
            List<SessionEvent> events = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                events.add(event("s", "d" + i, DocumentChunk.newBuilder().setDocId("d" + i)
                        .setText(("Chapter " + i + ". " + TOPICS[i % TOPICS.length] + ". ").repeat(30)).setMetadata(Map.of()).build()));
            }
            events.add(event("s", "long", Query.newBuilder().setQueryId("long").setText("Tell me everything.").setMaxNewTokens(60).build()));
            h.send(array(events));
            MemoryUpdate last = h.memory().get(h.memory().size() - 1);
            long segments = Long.parseLong(last.getDetail().get("segments"));
            assertTrue(segments >= 6, "each document holds several 256-token pieces, 4 to a segment: " + last);
            List<Rejected> rejects = h.rejects();
            assertEquals(1, rejects.size());
            assertTrue(rejects.get(0).getReason().contains("exceed the headroom H = c* + Pcap = 64"), rejects.get(0).getReason());
        }
    }

    @Test
    void setPolicyChoosesEpicacheBeforeTheFirstEventAndRefusesTheSwitchLater() throws Exception {
        SessionConfig sinks = new SessionConfig(MODEL.toString(), Backend.cpu(1), 512, PolicySpec.parse("sinks").withDefaultBudget(BUDGET), CacheDtype.BF16,
                SessionConfig.DEFAULT_LIVE_CACHE_BYTES, 0, SessionConfig.DEFAULT_DECODE_BLOCK, SessionConfig.DEFAULT_MAX_BATCH,
                SessionConfig.DEFAULT_MAX_BATCH_TOKENS);
        try (SessionHarness h = SessionHarness.open(sinks)) {
            List<SessionEvent> events = new ArrayList<>();
            events.add(event("s", "switch", Control.newBuilder().setAction(ControlAction.SET_POLICY).setPolicySpec("epicache:episodes=2").build()));
            events.addAll(conversation(0, 8));
            events.add(event("s", "late", Control.newBuilder().setAction(ControlAction.SET_POLICY).setPolicySpec("sinks").build()));
            events.add(event("s", "ask", Query.newBuilder().setQueryId("ask").setText("Which ferry?").setMaxNewTokens(4).build()));
            h.send(array(events));
            assertTrue(h.answers().stream().allMatch(a -> a.getPolicy().startsWith("epicache:episodes=2,")), h.answers().toString());
            assertEquals(1, h.rejects().size());
            assertTrue(h.rejects().get(0).getReason().startsWith("SET_POLICY sinks: a switch to or from epicache"), h.rejects().get(0).getReason());
            assertEquals("2", h.memory().get(h.memory().size() - 1).getDetail().get("episodes"));
        }
    }
}
