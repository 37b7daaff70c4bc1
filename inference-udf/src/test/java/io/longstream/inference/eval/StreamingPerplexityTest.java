package io.longstream.inference.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Fixtures;
import io.longstream.inference.Model;
import io.longstream.inference.epicache.EpicacheMemory;
import io.longstream.inference.memory.PolicyMemory;
import io.longstream.inference.memory.SessionMemory;
import io.longstream.inference.text.TokenStream;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.CachePolicies;
import io.longstream.state.policy.PolicySpec;
import io.longstream.state.policy.epicache.EpisodeSettings;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamingPerplexityTest {
    private static int[] randomIds(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    /** The NLL computed directly: one forward pass over each stream with every position's logits. */
    static double directNll(Model model, List<int[]> streams) {
        double sum = 0;
        long count = 0;
        int vocab = model.config().vocab;
        for (int[] ids : streams) {
            KvCache cache = model.transformer().newCache(CacheDtype.F32);
            float[] logits = model.transformer().forward(Arrays.copyOf(ids, ids.length - 1), cache, true);
            for (int t = 0; t + 1 < ids.length; t++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    max = Math.max(max, logits[t * vocab + v]);
                }
                double z = 0;
                for (int v = 0; v < vocab; v++) {
                    z += Math.exp(logits[t * vocab + v] - max);
                }
                sum += Math.log(z) + max - logits[t * vocab + ids[t + 1]];
                count++;
            }
        }
        return sum / count;
    }

    /** A fresh f32 cache under {@code policy}, token by token. */
    private static SessionMemory memory(Model model, String policy, int budget) {
        return new PolicyMemory(model.transformer(), CachePolicies.build(PolicySpec.parse(policy).withDefaultBudget(budget), model.config().layers, 1),
                model.transformer().newCache(CacheDtype.F32));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny-f32", "llama3-tiny-bf16", "qwen2-tiny-bf16", "mistral-tiny-swa-f32"})
    void tokenByTokenWithTheFullCacheEqualsADirectComputation(String name) {
        try (Model model = Model.load(Fixtures.model(name), 1)) {
            int vocab = model.config().vocab;
            List<int[]> streams = List.of(randomIds(90, vocab, 1), randomIds(40, vocab, 2));
            StreamingPerplexity.Result r = new StreamingPerplexity(vocab).run(streams, i -> memory(model, "full", 0));
            assertEquals(128, r.tokens);
            assertEquals(directNll(model, streams), r.nll, 1e-9);
            assertEquals(Math.exp(r.nll), r.ppl, 1e-9);
            assertEquals(89, r.maxCacheEntries, "the longest stream's last step attends to 89 entries");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sinks", "window", "lacache"})
    void anEvictingPolicyAttendsToAtMostTheBudgetAndOnlyDepartsFromFullOnceItEvicts(String policy) {
        try (Model model = Model.load(Fixtures.model("llama-tiny-f32"), 1)) {
            StreamingPerplexity ppl = new StreamingPerplexity(model.config().vocab);
            List<int[]> shortStream = List.of(randomIds(30, 384, 3));
            List<int[]> longStream = List.of(randomIds(200, 384, 3));
            double fullShort = ppl.run(shortStream, i -> memory(model, "full", 0)).nll;
            double fullLong = ppl.run(longStream, i -> memory(model, "full", 0)).nll;
            StreamingPerplexity.Result bounded = ppl.run(longStream, i -> memory(model, policy, 48));
            assertEquals(48, bounded.maxCacheEntries, "token by token: the budget, itself included");
            assertNotEquals(fullLong, bounded.nll, "evicting changes what the model sees");
            assertTrue(Double.isFinite(bounded.nll));
            // 30 tokens never reach T = 47: nothing is evicted, ranks equal positions, the same bits as full
            assertEquals(fullShort, ppl.run(shortStream, i -> memory(model, policy, 48)).nll);
        }
    }

    @Test
    void epicacheEqualsFullUntilItEvictsThenKeepsEachEpisodeLayerWithinItsBudget() {
        try (Model model = Model.load(Fixtures.model("llama-tiny-f32"), 1)) {
            StreamingPerplexity ppl = new StreamingPerplexity(model.config().vocab);
            // B = 128 per episode, C = 1: c* = 1, Pcap = 32, M = 95; a segment per 256-token piece
            EpisodeSettings settings = CachePolicies.episodeSettings(PolicySpec.parse("epicache:utterances=1,alpha=0,budget=128"), 1);
            IntFunction<SessionMemory> episodic = i -> new EpicacheMemory(model, new TokenStream(model.tokenizer(), Optional.empty(), 1),
                    StreamingPerplexityTest::topicOf, settings, EpicacheMemory.layerBudgets(settings, null, 2), CacheDtype.F32, i);
            List<int[]> shortStream = List.of(randomIds(90, 384, 4));
            assertEquals(ppl.run(shortStream, i -> memory(model, "full", 0)).nll, ppl.run(shortStream, episodic).nll,
                    "90 tokens fit in M: nothing is evicted, every logit is full's");
            List<int[]> longStream = List.of(randomIds(1100, 384, 4));
            StreamingPerplexity.Result bounded = ppl.run(longStream, episodic);
            assertNotEquals(ppl.run(longStream, i -> memory(model, "full", 0)).nll, bounded.nll);
            assertTrue(bounded.maxCacheEntries <= 95 * 2 + 1, "b_l·H_kv of the layer, plus the chunk: " + bounded.maxCacheEntries);
        }
    }

    /** A stand-in segment encoder: a unit vector that depends on the text, as a sentence encoder's would. */
    private static float[] topicOf(String text) {
        SplittableRandom random = new SplittableRandom(text.hashCode());
        float[] v = new float[8];
        double norm = 0;
        for (int d = 0; d < v.length; d++) {
            v[d] = (float) random.nextGaussian();
            norm += v[d] * v[d];
        }
        for (int d = 0; d < v.length; d++) {
            v[d] /= (float) Math.sqrt(norm);
        }
        return v;
    }
}
