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
import io.longstream.schemas.SessionEvent;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.PolicySpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionOperatorTest {
    private static final Path MODEL = Fixtures.model("llama-tiny-f32");

    private static SessionConfig config(int chunk, int budget) {
        return new SessionConfig(MODEL.toString(), Backend.cpu(1), chunk, PolicySpec.parse("full").withDefaultBudget(budget), CacheDtype.BF16,
                SessionConfig.DEFAULT_LIVE_CACHE_BYTES, 0, SessionConfig.DEFAULT_DECODE_BLOCK, SessionConfig.DEFAULT_MAX_BATCH,
                SessionConfig.DEFAULT_MAX_BATCH_TOKENS);
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

    private static SessionEvent control(String session, String id, ControlAction action) {
        return event(session, id, Control.newBuilder().setAction(action).build());
    }

    @Test
    void aQueryLeavesNoTraceSoTheSameQueryGetsTheSameAnswer() throws Exception {
        try (SessionHarness h = SessionHarness.open(config(32, 0))) {
            h.send(doc("s", "d1", "The tide rose at six and the ferry left at seven."), query("s", "q1"), query("s", "q1"),
                    turn("s", "t1", "user", "And the cargo?"), query("s", "q2"));
            List<Answer> answers = h.answers();
            assertEquals(3, answers.size());
            assertEquals(answers.get(0).getTokenIds(), answers.get(1).getTokenIds());
            assertEquals(answers.get(0).getCachedTokens(), answers.get(1).getCachedTokens(), "the cache did not grow by the query");
            assertTrue(answers.get(2).getCachedTokens() > answers.get(1).getCachedTokens(), "the turn entered the cache");
        }
    }

    @Test
    void prefillRunsInChunksAndWritesOnlyChangedPages() throws Exception {
        try (SessionHarness h = SessionHarness.open(config(40, 0))) {
            h.send(doc("s", "d1", "tide ".repeat(60)), query("s", "q"));
            List<MemoryUpdate> updates = h.memory();
            assertTrue(updates.size() >= 2, "one memory update per chunk: " + updates);
            for (int i = 0; i < updates.size(); i++) {
                MemoryUpdate m = updates.get(i);
                int entries = m.getCacheEntriesPerLayer().get(0);
                int pagesPerHead = (entries - 1) / 64 + 1;
                int previous = i == 0 ? 0 : updates.get(i - 1).getCacheEntriesPerLayer().get(0);
                int firstChangedPage = previous / 64;
                // 2 layers x 2 KV heads, each writes the pages from the first one the chunk touched
                assertEquals(4 * (pagesPerHead - firstChangedPage), m.getPagesWritten(), "update " + i + ": " + m);
                assertTrue(entries - previous <= 40, "a chunk adds at most c* entries");
            }
        }
    }

    @Test
    void everyUpdateSaysHowManyIngestedTokensAreNotYetInTheCache() throws Exception {
        try (SessionHarness h = SessionHarness.open(config(40, 0))) {
            h.send(doc("s", "d1", "tide ".repeat(60)), query("s", "q"));
            List<MemoryUpdate> updates = h.memory();
            assertTrue(updates.size() >= 2, "one memory update per chunk: " + updates);
            for (int i = 0; i < updates.size(); i++) {
                MemoryUpdate m = updates.get(i);
                // under full nothing is evicted: what is not pending is in the cache
                assertEquals(m.getTokensIngested() - m.getTokensPending(), (long) m.getCacheEntriesPerLayer().get(0), "update " + i);
                boolean last = i == updates.size() - 1;
                assertEquals(last, m.getTokensPending() == 0, "only the query's flush takes the document in fully: " + m);
            }
        }
    }

    @Test
    void anEventPastTheBudgetIsRejectedAndLeavesTheSessionUnchanged() throws Exception {
        try (SessionHarness withBigDoc = SessionHarness.open(config(32, 120));
             SessionHarness without = SessionHarness.open(config(32, 120))) {
            withBigDoc.send(doc("s", "d1", "Fog at the pier."), doc("s", "big", "cargo ".repeat(200)), query("s", "q"));
            without.send(doc("s", "d1", "Fog at the pier."), query("s", "q"));
            assertEquals(1, withBigDoc.rejects().size());
            assertTrue(withBigDoc.rejects().get(0).getReason().startsWith("budget exceeded: the full policy would hold "),
                    withBigDoc.rejects().get(0).getReason());
            assertEquals(1L, withBigDoc.rejects().get(0).getOffset(), "the reject names the record's offset");
            assertTrue(withBigDoc.memory().stream().anyMatch(m -> m.getStatus().equals("budget exceeded")));
            assertEquals(without.answers().get(0).getTokenIds(), withBigDoc.answers().get(0).getTokenIds());
        }
    }

    @Test
    void aQueryThatCannotFitInTheChunkIsRejected() throws Exception {
        try (SessionHarness h = SessionHarness.open(config(16, 0))) {
            h.send(doc("s", "d1", "Fog."), query("s", "q"));
            assertEquals(0, h.answers().size());
            assertTrue(h.rejects().get(0).getReason().startsWith("query too long: "), h.rejects().get(0).getReason());
        }
    }

    @Test
    void aRestoredSessionAnswersExactlyAsAnUninterruptedOne() throws Exception {
        SessionEvent[] before = {doc("s", "d1", "The tug Kestrel towed a yacht. ".repeat(3)), turn("s", "t1", "user", "Note it."),
            query("s", "q1")};
        SessionEvent[] after = {doc("s", "d2", "Meridian unloaded forty containers."), query("s", "q2")};
        List<Answer> uninterrupted;
        try (SessionHarness h = SessionHarness.open(config(24, 0))) {
            uninterrupted = h.send(before).send(after).answers();
        }
        OperatorSubtaskState state;
        try (SessionHarness h = SessionHarness.open(config(24, 0))) {
            h.send(before);
            state = h.snapshot();
        }
        try (SessionHarness restored = SessionHarness.restore(config(24, 0), state)) {
            List<Answer> answers = restored.send(after).answers();
            assertEquals(1, answers.size());
            assertEquals(uninterrupted.get(1).getTokenIds(), answers.get(0).getTokenIds());
            assertEquals(uninterrupted.get(1).getCachedTokens(), answers.get(0).getCachedTokens());
        }
    }

    @Test
    void resetStartsTheSessionOverAndCloseOfAnUnknownSessionIsRejected() throws Exception {
        try (SessionHarness h = SessionHarness.open(config(32, 0));
             SessionHarness fresh = SessionHarness.open(config(32, 0))) {
            h.send(doc("s", "d1", "Old news about the harbor."), query("s", "q0"), control("s", "r", ControlAction.RESET),
                    doc("s", "d2", "Fog at the pier."), query("s", "q"), control("nobody", "c", ControlAction.CLOSE));
            fresh.send(doc("s", "d2", "Fog at the pier."), query("s", "q"));
            assertEquals(fresh.answers().get(0).getTokenIds(), h.answers().get(1).getTokenIds());
            assertEquals(1, h.rejects().size());
            assertEquals("CLOSE of unknown session nobody", h.rejects().get(0).getReason());
            assertTrue(h.memory().stream().anyMatch(m -> m.getStatus().equals("reset")));
        }
    }

    @Test
    void aTurnTheChatTemplateRefusesIsRejectedAndTheSessionGoesOn(@TempDir Path dir) throws Exception {
        Path model = strictTemplateModel(dir);
        SessionConfig strict = new SessionConfig(model.toString(), Backend.cpu(1), 32, PolicySpec.parse("full"), CacheDtype.BF16,
                SessionConfig.DEFAULT_LIVE_CACHE_BYTES, 0, SessionConfig.DEFAULT_DECODE_BLOCK, SessionConfig.DEFAULT_MAX_BATCH,
                SessionConfig.DEFAULT_MAX_BATCH_TOKENS);
        try (SessionHarness h = SessionHarness.open(strict)) {
            h.send(turn("s", "t1", "user", "Hello."), turn("s", "t2", "narrator", "Meanwhile..."), query("s", "q"));
            assertEquals(1, h.rejects().size());
            assertTrue(h.rejects().get(0).getReason().contains("roles must be user or assistant"), h.rejects().get(0).getReason());
            assertEquals(1, h.answers().size());
        }
    }

    @Test
    void anIdleSessionExpiresAfterItsTtlAndStartsAfreshWithItsNextEvent() throws Exception {
        SessionConfig expiring = new SessionConfig(MODEL.toString(), Backend.cpu(1), 32, PolicySpec.parse("full"), CacheDtype.BF16,
                SessionConfig.DEFAULT_LIVE_CACHE_BYTES, 50, SessionConfig.DEFAULT_DECODE_BLOCK, SessionConfig.DEFAULT_MAX_BATCH,
                SessionConfig.DEFAULT_MAX_BATCH_TOKENS);
        try (SessionHarness h = SessionHarness.open(expiring);
             SessionHarness fresh = SessionHarness.open(config(32, 0));
             SessionHarness remembering = SessionHarness.open(config(32, 0))) {
            // the harness fires timers until none is left, the expiry 50 ms later included
            h.send(doc("s", "d1", "The tide rose at six."), query("s", "q1"));
            assertEquals("expired", h.memory().get(h.memory().size() - 1).getStatus());
            h.send(query("s", "q2"));
            fresh.send(query("s", "q2"));
            remembering.send(doc("s", "d1", "The tide rose at six."), query("s", "q1"), query("s", "q2"));
            assertEquals(fresh.answers().get(0).getTokenIds(), h.answers().get(1).getTokenIds());
            assertEquals(0, h.answers().get(1).getCachedTokens(), "nothing of the expired session is left");
            assertTrue(remembering.answers().get(1).getCachedTokens() > 0);
        }
    }

    @Test
    void anAnswerDecodedInBlocksAcrossStepsAndARestoreEqualsOneDecodedAtOnce() throws Exception {
        SessionEvent[] events = {doc("s", "d1", "The tug Kestrel towed a yacht into the marina."),
            event("s", "q", Query.newBuilder().setQueryId("q").setText("Which tug?").setMaxNewTokens(9).setTemperature(0.9f).build())};
        SessionConfig blocksOfTwo = new SessionConfig(MODEL.toString(), Backend.cpu(1), 32, PolicySpec.parse("full"), CacheDtype.BF16,
                SessionConfig.DEFAULT_LIVE_CACHE_BYTES, 0, 2, SessionConfig.DEFAULT_MAX_BATCH,
                SessionConfig.DEFAULT_MAX_BATCH_TOKENS);
        List<Integer> atOnce;
        try (SessionHarness h = SessionHarness.open(config(32, 0))) {
            atOnce = h.send(events).answers().get(0).getTokenIds();
        }
        assertTrue(atOnce.size() > 2, "the answer needs more than one block: " + atOnce);
        try (SessionHarness h = SessionHarness.open(blocksOfTwo)) {
            assertEquals(atOnce, h.send(events).answers().get(0).getTokenIds());
        }
        OperatorSubtaskState midAnswer;
        try (SessionHarness h = SessionHarness.open(blocksOfTwo)) {
            // the flush of the pending tokens, then the answer's first block of two
            h.enqueue(events).fire(2);
            assertEquals(0, h.answers().size(), "the answer is not finished yet");
            midAnswer = h.snapshot();
        }
        try (SessionHarness restored = SessionHarness.restore(blocksOfTwo, midAnswer)) {
            assertEquals(atOnce, restored.send().answers().get(0).getTokenIds());
        }
    }

    /** llama-tiny-f32 with a chat template that refuses roles other than user and assistant. */
    private static Path strictTemplateModel(Path dir) throws IOException {
        Path model = dir.resolve("strict-model");
        Files.createDirectories(model);
        for (String f : List.of("config.json", "generation_config.json", "model.safetensors", "tokenizer.json")) {
            Files.copy(MODEL.resolve(f), model.resolve(f));
        }
        Files.writeString(model.resolve("tokenizer_config.json"), "{\"bos_token\":\"<|begin|>\",\"eos_token\":\"<|end|>\","
                + "\"chat_template\":\"{{ bos_token }}{% for m in messages %}{% if m['role'] not in ['user', 'assistant'] %}"
                + "{{ raise_exception('roles must be user or assistant') }}{% endif %}"
                + "{{ '<|' + m['role'] + '|>' + m['content'] + '<|end|>' }}{% endfor %}"
                + "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}\"}");
        return model;
    }
}
