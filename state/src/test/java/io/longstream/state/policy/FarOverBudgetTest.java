package io.longstream.state.policy;

import static io.longstream.state.policy.CacheContents.appendEverywhere;
import static io.longstream.state.policy.CacheContents.positionsOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.epicache.EpisodeEviction.Level;
import io.longstream.state.policy.epicache.EpisodeEviction;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * A session switched (SET_POLICY) to a budget far below what its cache holds: every policy either ends its first
 * compaction within the new bound, keeping the invariants of kv-policies §1, or refuses to hold the cache
 * ({@code full} with a budget evicts nothing); epicache's eviction brings any cache to its layer budgets at once.
 */
class FarOverBudgetTest {
    private static final int LAYERS = 6;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = 4;

    @Provide
    Arbitrary<String> policies() {
        return Arbitraries.of("full", "window", "sinks", "sinks:start=1", "lacache", "lacache:span=2,overlap=1", "lacache:span=4");
    }

    @Property(tries = 120, seed = "7")
    void aSwitchFarOverTheBudgetEndsWithinTheNewBound(@ForAll("policies") String spec, @ForAll @IntRange(min = 40, max = 400) int budget,
                                                     @ForAll @IntRange(min = 1, max = 300) int configuredChunk,
                                                     @ForAll @IntRange(min = 1, max = 12000) int held, @ForAll long seed) {
        CachePolicy policy;
        try {
            policy = CachePolicies.build(PolicySpec.parse(spec).withDefaultBudget(budget), LAYERS, configuredChunk);
        } catch (IllegalArgumentException refused) {
            return;
        }
        SplittableRandom random = new SplittableRandom(seed);
        // the cache as a session under `full` left it: every position, in every (layer, KV head)
        KvCache cache = new KvCache(LAYERS, KV_HEADS, HEAD_DIM, CacheDtype.BF16);
        int first = cache.claimPositions(held);
        for (int i = 0; i < held; i++) {
            appendEverywhere(cache, first + i, random);
        }
        Set<Integer> before = positionsOf(cache, 0, 0);

        if (spec.startsWith("full")) {
            // full keeps everything, so a cache over its budget is refused, never silently kept
            String refusal = policy.refusal(cache.maxEntries(), 0);
            if (held > budget) {
                assertNotNull(refusal, "full:budget=" + budget + " holding " + held);
            } else {
                assertNull(refusal);
            }
            return;
        }
        long evicted = policy.compact(cache);
        int target = budget - policy.chunk();
        assertTrue(cache.maxEntries() <= target, spec + ": after the switch " + cache.maxEntries() + " > T " + target);
        assertEquals((held - cache.head(0, 0).size()) * (long) LAYERS * KV_HEADS, evicted, spec + ": evictions counted");
        assertTrue(positionsOf(cache, LAYERS - 1, KV_HEADS - 1).contains(held - 1), spec + ": the newest was evicted");
        int sinks = spec.startsWith("window") ? 0 : spec.equals("sinks:start=1") ? 1 : 4;
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < KV_HEADS; h++) {
                Set<Integer> now = positionsOf(cache, l, h);
                assertTrue(before.containsAll(now), spec + ": a position appeared from nowhere");
                assertEquals(cache.head(0, 0).size(), cache.head(l, h).size(), spec + ": every (layer, head) holds the same count");
                for (int p = 0; p < Math.min(sinks, held); p++) {
                    assertTrue(now.contains(p), spec + ": sink " + p + " evicted");
                }
            }
        }
        // the policy's state after the rounds carries on: the next chunks keep I1 and the target
        for (int k = 0; k < 4; k++) {
            int c = 1 + random.nextInt(policy.chunk());
            int from = cache.claimPositions(c);
            for (int i = 0; i < c; i++) {
                appendEverywhere(cache, from + i, random);
            }
            assertTrue(cache.maxEntries() <= budget, spec + ": peak " + cache.maxEntries() + " > B " + budget);
            policy.compact(cache);
            assertTrue(cache.maxEntries() <= target, spec + ": " + cache.maxEntries() + " > T " + target);
            assertTrue(positionsOf(cache, 0, 0).contains(from + c - 1), spec + ": the newest was evicted");
        }
    }

    @Property(tries = 40, seed = "9")
    void epicacheEvictsAnyCacheToItsLayerBudgetsAtOnce(@ForAll @IntRange(min = 1, max = 12000) int held, @ForAll Level level,
                                                       @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        KvCache cache = new KvCache(LAYERS, KV_HEADS, HEAD_DIM, CacheDtype.BF16);
        int first = cache.claimPositions(held);
        for (int i = 0; i < held; i++) {
            appendEverywhere(cache, first + i, random);
        }
        float[][][] scores = new float[LAYERS][KV_HEADS][held];
        int[] budgets = new int[LAYERS];
        for (int l = 0; l < LAYERS; l++) {
            budgets[l] = 1 + random.nextInt(300);
            for (int h = 0; h < KV_HEADS; h++) {
                for (int s = 0; s < held; s++) {
                    scores[l][h][s] = random.nextInt(1000) / 1000f;
                }
            }
        }
        EpisodeEviction.evict(cache, scores, budgets, level);
        for (int l = 0; l < LAYERS; l++) {
            int layer = 0;
            for (int h = 0; h < KV_HEADS; h++) {
                int size = cache.head(l, h).size();
                layer += size;
                if (level == Level.PAIR_UNIFORM) {
                    assertTrue(size <= budgets[l], "head (" + l + ", " + h + ") holds " + size + " > b_l " + budgets[l]);
                }
            }
            assertTrue(layer <= budgets[l] * KV_HEADS, "layer " + l + " holds " + layer + " > b_l·H_kv " + budgets[l] * KV_HEADS);
        }
    }

    @Test
    void lacacheFromTenThousandEntriesToBudget256() {
        // the case of issue 14: 10,000 entries under `full`, then SET_POLICY lacache with B = 256, on a 16-layer model
        int layers = 16;
        CachePolicy policy = CachePolicies.build(PolicySpec.parse("lacache:budget=256"), layers, 512);
        KvCache cache = new KvCache(layers, 1, HEAD_DIM, CacheDtype.BF16);
        int first = cache.claimPositions(10_000);
        float[] kv = new float[HEAD_DIM];
        for (int p = first; p < 10_000; p++) {
            for (int l = 0; l < layers; l++) {
                cache.head(l, 0).append(p, kv, 0, kv, 0);
            }
        }
        policy.compact(cache);
        assertEquals(256 - policy.chunk(), cache.maxEntries());
    }
}
