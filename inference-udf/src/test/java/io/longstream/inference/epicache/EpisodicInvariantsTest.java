package io.longstream.inference.epicache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Fixtures;
import io.longstream.inference.Generator;
import io.longstream.inference.Model;
import io.longstream.inference.Sampler;
import io.longstream.inference.text.ChatTemplate.Message;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.TokenStream;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.KvPageCodec;
import io.longstream.state.policy.CachePolicies;
import io.longstream.state.policy.PolicySpec;
import io.longstream.state.policy.epicache.EpisodeSettings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * epicache's invariants (kv-policies §6) over random conversations on llama-tiny-f32 with a stand-in encoder:
 * after every chunk each episode layer holds at most b_l·H_kv entries (pair-uniform: b_l per head), positions are
 * unique and below nextPos, the sinks stay while b_l ≥ 4; queries interleaved at random leave no trace in the
 * cache they are routed to; and a session saved at a random chunk boundary (its clustering, open segment and
 * caches through the page codec) continues bit-identically. Fixed seed and tries.
 */
class EpisodicInvariantsTest {
    private static final Model MODEL = Model.load(Fixtures.model("llama-tiny-f32"), 1);
    private static final TokenStream TOKENS = new TokenStream(MODEL.tokenizer(), ChatTemplate.load(MODEL.dir()), MODEL.config().bosTokenId);
    private static final String[] WORDS = {"ferry", "harbour", "flour", "oven", "router", "wifi", "invoice", "ledger", "tide", "salt"};
    private static final TopicEncoder ENCODER = new TopicEncoder("ferry", "flour", "router", "invoice");

    @Property(tries = 12, seed = "7")
    void episodeCachesKeepTheirBoundsAndRestoreExactly(@ForAll @IntRange(min = 24, max = 160) int budget,
                                                        @ForAll @IntRange(min = 1, max = 48) int configuredChunk,
                                                        @ForAll @IntRange(min = 1, max = 3) int episodes,
                                                        @ForAll @IntRange(min = 1, max = 2) int utterances,
                                                        @ForAll boolean uniform,
                                                        @ForAll @IntRange(min = 4, max = 28) int turns,
                                                        @ForAll long seed) {
        EpisodeSettings settings = CachePolicies.episodeSettings(PolicySpec.parse("epicache:alpha=0,episodes=" + episodes + ",utterances=" + utterances
                + ",level=" + (uniform ? "pair-uniform" : "pair") + ",budget=" + budget), configuredChunk);
        int[] layerBudgets = EpicacheMemory.layerBudgets(settings, null, MODEL.config().layers);
        List<Message> conversation = conversation(turns, new SplittableRandom(seed));
        int savePoint = new SplittableRandom(seed + 1).nextInt(turns);
        SplittableRandom queries = new SplittableRandom(seed + 2);

        EpicacheMemory live = new EpicacheMemory(MODEL, TOKENS, ENCODER, settings, layerBudgets, CacheDtype.BF16, seed);
        List<Integer> pending = new ArrayList<>();
        EpicacheMemory restored = null;
        List<Integer> restoredPending = null;
        for (int t = 0; t < turns; t++) {
            if (t == savePoint) {
                List<KvCache> copies = new ArrayList<>();
                for (int k = 0; k < live.cacheCount(); k++) {
                    copies.add(live.cache(k).copy());
                }
                restored = EpicacheMemory.restore(MODEL, TOKENS, ENCODER, settings, layerBudgets, seed,
                        live.clustering(), live.openUtterances(), copies);
                restoredPending = new ArrayList<>(pending);
            }
            feed(live, pending, conversation, t, layerBudgets, uniform);
            if (queries.nextInt(3) == 0) {
                askLeavingNoTrace(live, conversation.get(t), "What about the " + WORDS[queries.nextInt(WORDS.length)] + "?");
            }
            if (restored != null) {
                feed(restored, restoredPending, conversation, t, layerBudgets, uniform);
            }
        }
        assertEquals(live.cacheCount(), restored.cacheCount());
        for (int k = 0; k < live.cacheCount(); k++) {
            assertSamePages(live.cache(k), restored.cache(k), "episode " + k);
        }
        assertEquals(live.route("the ferry and the tide"), restored.route("the ferry and the tide"));
        assertTrue(live.cacheCount() == 1 || live.cacheCount() == episodes);
    }

    /** Adds turn t to the stream and the segmentation, prefills every full chunk, and checks the bounds after each. */
    private static void feed(EpicacheMemory session, List<Integer> pending, List<Message> conversation, int t,
                             int[] layerBudgets, boolean uniform) {
        if (t == 0) {
            for (int id : TOKENS.start()) {
                pending.add(id);
            }
        }
        for (int id : TOKENS.turn(t == 0 ? null : conversation.get(t - 1), conversation.get(t))) {
            pending.add(id);
        }
        session.observeTurn(conversation.get(t).role(), conversation.get(t).content());
        while (pending.size() >= session.chunk()) {
            int[] chunk = pending.subList(0, session.chunk()).stream().mapToInt(Integer::intValue).toArray();
            pending.subList(0, session.chunk()).clear();
            session.prefill(chunk, false);
            for (int k = 0; k < session.cacheCount(); k++) {
                checkBounds(session.cache(k), layerBudgets, uniform, "episode " + k);
            }
        }
    }

    /** Answers a query from its episode in an overlay, as the operator does, and checks the cache is as before. */
    private static void askLeavingNoTrace(EpicacheMemory session, Message previous, String query) {
        int[] prompt = TOKENS.query(previous, query);
        if (session.queryRefusal(prompt.length, 3) != null) {
            return;
        }
        KvCache cache = session.cache(session.route(query));
        KvCache before = cache.copy();
        KvCache.Mark mark = cache.mark();
        new Generator(MODEL.transformer(), session.queryChunk()).generate(prompt, cache, Sampler.greedy(), 3, MODEL.stopTokenIds(), id -> { });
        cache.rollback(mark);
        assertSamePages(before, cache, "after a query");
    }

    private static void checkBounds(KvCache cache, int[] layerBudgets, boolean uniform, String context) {
        for (int l = 0; l < cache.layers(); l++) {
            int layerTotal = 0;
            for (int h = 0; h < cache.kvHeads(); h++) {
                HeadCache head = cache.head(l, h);
                layerTotal += head.size();
                if (uniform) {
                    assertTrue(head.size() <= layerBudgets[l], context + " layer " + l + " head " + h + ": " + head.size());
                }
                Set<Integer> positions = new HashSet<>();
                for (int slot : head.slotsByPosition()) {
                    int p = head.position(slot);
                    assertTrue(positions.add(p) && p < cache.nextPosition(), context + ": position " + p);
                }
                // sinks score +∞; only a budget below them makes the budget win (kv-policies §6 deviations)
                for (int sink = 0; layerBudgets[l] >= 4 && sink < Math.min(4, cache.nextPosition()); sink++) {
                    assertTrue(positions.contains(sink), context + " layer " + l + " head " + h + " lost sink " + sink);
                }
            }
            assertTrue(layerTotal <= layerBudgets[l] * cache.kvHeads(), context + " layer " + l + ": " + layerTotal);
        }
    }

    private static void assertSamePages(KvCache a, KvCache b, String context) {
        assertEquals(a.nextPosition(), b.nextPosition(), context);
        for (int l = 0; l < a.layers(); l++) {
            for (int h = 0; h < a.kvHeads(); h++) {
                assertEquals(a.head(l, h).slots(), b.head(l, h).slots(), context);
                for (int page = 0; page < KvPageCodec.pages(a.head(l, h).slots()); page++) {
                    assertArrayEquals(KvPageCodec.encode(a.head(l, h), page), KvPageCodec.encode(b.head(l, h), page),
                            context + " layer " + l + " head " + h + " page " + page);
                }
            }
        }
    }

    private static List<Message> conversation(int turns, SplittableRandom random) {
        List<Message> out = new ArrayList<>();
        for (int t = 0; t < turns; t++) {
            StringBuilder text = new StringBuilder();
            for (int w = 3 + random.nextInt(12); w > 0; w--) {
                text.append(text.length() == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
            }
            out.add(new Message(t % 2 == 0 ? "user" : "assistant", text + "."));
        }
        return out;
    }
}
