package io.longstream.state.policy;

import static io.longstream.state.policy.CacheContents.appendEverywhere;
import static io.longstream.state.policy.CacheContents.positionsOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.KvPageCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * kv-policies §1's invariants over random streams, budgets, chunk sizes and save points, with no
 * model: every chunk appends its entries to every (layer, KV head), then the policy compacts.
 * Fixed seed and tries (jqwik's defaults file), so CI is repeatable.
 */
class PolicyInvariantsTest {
    private static final int LAYERS = 6;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = 4;

    @Provide
    Arbitrary<String> policies() {
        return Arbitraries.of("full", "window", "sinks", "sinks:start=1", "lacache", "lacache:span=2,overlap=1", "lacache:span=4");
    }

    @Property(tries = 150, seed = "42")
    void theBoundHoldsAtEveryStepAndPagesRoundTrip(@ForAll("policies") String spec, @ForAll @IntRange(min = 40, max = 400) int budget,
                                                  @ForAll @IntRange(min = 1, max = 300) int configuredChunk,
                                                  @ForAll @IntRange(min = 1, max = 2500) int streamLength, @ForAll long seed) {
        // full runs unbounded here (its budget refuses events, which the operator tests cover)
        int policyBudget = spec.equals("full") ? 0 : budget;
        CachePolicy policy = parseOrSkip(spec, policyBudget, configuredChunk);
        if (policy == null) {
            return;
        }
        SplittableRandom random = new SplittableRandom(seed);
        int bound = spec.equals("full") ? Integer.MAX_VALUE : budget;
        KvCache cache = newCache();
        int saveAt = random.nextInt(streamLength + 1);
        boolean saved = false;
        int fed = 0;
        while (fed < streamLength) {
            int c = 1 + random.nextInt(policy.chunk());
            c = Math.min(c, streamLength - fed);
            Set<Integer> before = positionsOf(cache, 0, 0);
            int first = cache.claimPositions(c);
            for (int i = 0; i < c; i++) {
                appendEverywhere(cache, first + i, random);
            }
            // I1: the peak, the chunk being attended included
            assertTrue(cache.maxEntries() <= bound, spec + ": peak " + cache.maxEntries() + " > B " + bound);
            policy.compact(cache);
            fed += c;
            if (spec.equals("full")) {
                assertEquals(cache.nextPosition(), cache.maxEntries(), "full evicts nothing");
            } else {
                assertTrue(cache.maxEntries() <= budget - policy.chunk(), spec + ": after compact " + cache.maxEntries() + " > T");
                // I5: the newest position survives (every policy here)
                assertTrue(positionsOf(cache, LAYERS - 1, KV_HEADS - 1).contains(first + c - 1), spec + ": newest evicted");
            }
            for (int l = 0; l < LAYERS; l++) {
                for (int h = 0; h < KV_HEADS; h++) {
                    Set<Integer> now = positionsOf(cache, l, h);
                    // I4: positions are below nextPos, and new ones come from the chunk
                    for (int p : now) {
                        assertTrue(p < cache.nextPosition());
                    }
                    if (l == 0 && h == 0) {
                        for (int p : now) {
                            assertTrue(before.contains(p) || p >= first, spec + ": position " + p + " appeared from nowhere");
                        }
                    }
                }
            }
            if (spec.startsWith("sinks") || spec.startsWith("lacache")) {
                int start = spec.equals("sinks:start=1") ? 1 : 4;
                for (int p = 0; p < Math.min(start, cache.nextPosition()); p++) {
                    assertTrue(positionsOf(cache, 0, 1).contains(p), spec + ": sink " + p + " evicted");
                }
            }
            if (spec.startsWith("lacache")) {
                for (int l = 0; l < LAYERS; l++) {
                    assertEquals(cache.head(0, 0).size(), cache.head(l, 0).size(), "lacache: every layer holds the same count");
                }
            }
            if (!saved && fed >= saveAt) {
                // I3: pages and policy state saved here and restored continue exactly as the live cache
                saved = true;
                KvCache restored = copyThroughPages(cache);
                CachePolicy restoredPolicy = parseOrSkip(spec, policyBudget, configuredChunk);
                restoredPolicy.restore(policy.state());
                assertSameCache(cache, restored);
                long tail = seed ^ fed;
                continueBoth(cache, policy, restored, restoredPolicy, new SplittableRandom(tail), new SplittableRandom(tail), 5);
                assertSameCache(cache, restored);
            }
        }
    }

    private static CachePolicy parseOrSkip(String spec, int budget, int chunk) {
        try {
            return CachePolicies.build(PolicySpec.parse(spec).withDefaultBudget(budget), LAYERS, chunk);
        } catch (IllegalArgumentException refused) {
            // a configuration the spec refuses (tested on its own): nothing to check here
            return null;
        }
    }

    private static void continueBoth(KvCache a, CachePolicy pa, KvCache b, CachePolicy pb, SplittableRandom ra, SplittableRandom rb,
                                     int chunks) {
        for (int k = 0; k < chunks; k++) {
            int c = 1 + ra.nextInt(pa.chunk());
            rb.nextInt(pb.chunk());
            int fa = a.claimPositions(c);
            int fb = b.claimPositions(c);
            for (int i = 0; i < c; i++) {
                appendEverywhere(a, fa + i, ra);
                appendEverywhere(b, fb + i, rb);
            }
            assertEquals(pa.compact(a), pb.compact(b));
        }
    }

    private static KvCache newCache() {
        return new KvCache(LAYERS, KV_HEADS, HEAD_DIM, CacheDtype.BF16);
    }

    private static KvCache copyThroughPages(KvCache cache) {
        KvCache copy = newCache();
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < KV_HEADS; h++) {
                HeadCache from = cache.head(l, h);
                for (int page = 0; page < KvPageCodec.pages(from.slots()); page++) {
                    KvPageCodec.decode(KvPageCodec.encode(from, page), copy.head(l, h), page);
                }
            }
        }
        copy.restoreNextPosition(cache.nextPosition());
        return copy;
    }

    private static void assertSameCache(KvCache a, KvCache b) {
        assertEquals(a.nextPosition(), b.nextPosition());
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < KV_HEADS; h++) {
                HeadCache x = a.head(l, h);
                HeadCache y = b.head(l, h);
                assertEquals(x.slots(), y.slots());
                List<Integer> px = new ArrayList<>();
                List<Integer> py = new ArrayList<>();
                for (int s = 0; s < x.slots(); s++) {
                    px.add(x.position(s));
                    py.add(y.position(s));
                }
                assertEquals(px, py);
                float[] kx = new float[x.slots() * HEAD_DIM];
                float[] ky = new float[y.slots() * HEAD_DIM];
                x.readKeys(0, x.slots(), kx, 0);
                y.readKeys(0, y.slots(), ky, 0);
                assertArrayEquals(kx, ky);
            }
        }
    }
}
