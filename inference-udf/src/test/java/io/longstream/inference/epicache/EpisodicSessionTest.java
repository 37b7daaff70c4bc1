package io.longstream.inference.epicache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Fixtures;
import io.longstream.inference.Model;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.TokenStream;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.CachePolicies;
import io.longstream.state.policy.PolicySpec;
import io.longstream.state.policy.epicache.EpisodeSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EpisodicSessionTest {
    private static final String[] TOPICS = TopicConversation.TOPICS;
    private static final TopicEncoder ENCODER = new TopicEncoder(TOPICS);
    /** B = 128 per episode, C = 512: c* = 32, Pcap = 32, M = 64; the spec's E = 4, w = 4, m = 8. */
    private static final EpisodeSettings SETTINGS = CachePolicies.episodeSettings(PolicySpec.parse("epicache:alpha=0,budget=128"), 512);

    /** α = 0: every layer keeps M. */
    private static int[] budgets(Model model) {
        return EpicacheMemory.layerBudgets(SETTINGS, null, model.config().layers);
    }

    @Test
    void everyEpisodeCacheStaysWithinItsLayerBudgetsAndQueriesRouteToTheirTopic() {
        try (Model model = Model.load(Fixtures.model("llama-tiny-f32"), 1)) {
            TokenStream tokens = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
            EpicacheMemory session = new EpicacheMemory(model, tokens, ENCODER, SETTINGS, budgets(model), CacheDtype.BF16, 7);
            assertEquals(32, session.chunk(), "c* = min(C, B/4)");
            TopicConversation.feed(session, tokens, new ArrayList<>(), 0, 48, () -> {
                for (int k = 0; k < session.cacheCount(); k++) {
                    KvCache cache = session.cache(k);
                    for (int l = 0; l < cache.layers(); l++) {
                        int total = 0;
                        for (int h = 0; h < cache.kvHeads(); h++) {
                            total += cache.head(l, h).size();
                        }
                        // M = B - c* - Pcap = 128 - 32 - 32; alpha = 0 gives every layer M
                        assertTrue(total <= 64 * cache.kvHeads(), "episode " + k + " layer " + l + ": " + total);
                    }
                }
            });
            assertEquals(SETTINGS.episodes(), session.cacheCount());
            int[] routes = new int[TOPICS.length];
            for (int t = 0; t < TOPICS.length; t++) {
                routes[t] = session.route("What about the " + TOPICS[t] + "?");
            }
            assertEquals(TOPICS.length, Arrays.stream(routes).distinct().count(), "each topic has its episode: " + Arrays.toString(routes));
        }
    }

    @Test
    void aSessionSavedAndRestoredMidStreamContinuesExactly() {
        try (Model model = Model.load(Fixtures.model("llama-tiny-f32"), 1)) {
            TokenStream tokens = new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId);
            EpicacheMemory live = new EpicacheMemory(model, tokens, ENCODER, SETTINGS, budgets(model), CacheDtype.BF16, 7);
            List<Integer> pending = new ArrayList<>();
            TopicConversation.feed(live, tokens, pending, 0, 22);
            List<KvCache> copies = new ArrayList<>();
            for (int k = 0; k < live.cacheCount(); k++) {
                copies.add(live.cache(k).copy());
            }
            EpicacheMemory restored = EpicacheMemory.restore(model, tokens, ENCODER, SETTINGS, budgets(model), 7,
                    live.clustering(), live.openUtterances(), copies);
            List<Integer> pendingCopy = new ArrayList<>(pending);
            TopicConversation.feed(live, tokens, pending, 22, 40);
            TopicConversation.feed(restored, tokens, pendingCopy, 22, 40);
            assertEquals(live.cacheCount(), restored.cacheCount());
            for (int k = 0; k < live.cacheCount(); k++) {
                for (int l = 0; l < live.cache(k).layers(); l++) {
                    assertEquals(positions(live.cache(k), l), positions(restored.cache(k), l), "episode " + k + " layer " + l);
                }
            }
            for (String topic : TOPICS) {
                assertEquals(live.route("And the " + topic + "?"), restored.route("And the " + topic + "?"));
            }
        }
    }

    private static List<Integer> positions(KvCache cache, int layer) {
        List<Integer> out = new ArrayList<>();
        for (int h = 0; h < cache.kvHeads(); h++) {
            for (int slot : cache.head(layer, h).slotsByPosition()) {
                out.add(cache.head(layer, h).position(slot));
            }
        }
        return out;
    }
}
