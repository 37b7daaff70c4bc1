package io.longstream.state.policy.epicache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.epicache.EpisodeEviction.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class EpisodeEvictionTest {
    private static final float[] ZERO = {0f};

    @Test
    void pairKeepsTheBestEntriesOfTheWholeLayerSoHeadsMayKeepUnequalCounts() {
        KvCache cache = cacheWithPositions(2, 10);
        float[][][] scores = {{
            {0, 0, 0, 0, 0.9f, 0.1f, 0.8f, 0.2f, 0.7f, 0.05f},
            {0, 0, 0, 0, 0.3f, 0.6f, 0.05f, 0.15f, 0.25f, 0.35f}}};
        // keep 6·2 = 12 of 20: the 8 sinks, then 0.9 (h0 p4), 0.8 (h0 p6), 0.7 (h0 p8), 0.6 (h1 p5)
        assertEquals(8, EpisodeEviction.evict(cache, scores, new int[] {6}, Level.PAIR));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 6, 8}, kept(cache, 0, 0));
        assertArrayEquals(new int[] {0, 1, 2, 3, 5}, kept(cache, 0, 1));
    }

    @Test
    void pairUniformKeepsTheBestEntriesOfEachHead() {
        KvCache cache = cacheWithPositions(2, 10);
        float[][][] scores = {{
            {0, 0, 0, 0, 0.9f, 0.1f, 0.8f, 0.2f, 0.7f, 0.05f},
            {0, 0, 0, 0, 0.3f, 0.6f, 0.05f, 0.15f, 0.25f, 0.35f}}};
        // keep 6 per head: the 4 sinks, then head 0: 0.9 (p4), 0.8 (p6); head 1: 0.6 (p5), 0.35 (p9)
        assertEquals(8, EpisodeEviction.evict(cache, scores, new int[] {6}, Level.PAIR_UNIFORM));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 6}, kept(cache, 0, 0));
        assertArrayEquals(new int[] {0, 1, 2, 3, 5, 9}, kept(cache, 0, 1));
    }

    @Test
    void sinksSurviveScoresOfZeroAgainstHigherScoresElsewhere() {
        KvCache cache = cacheWithPositions(1, 8);
        float[][][] scores = {{{0, 0, 0, 0, 5, 6, 7, 8}}};
        EpisodeEviction.evict(cache, scores, new int[] {5}, Level.PAIR);
        assertArrayEquals(new int[] {0, 1, 2, 3, 7}, kept(cache, 0, 0));
    }

    @Test
    void equalScoresKeepTheSmallerPositionThenTheSmallerHead() {
        KvCache cache = cacheWithPositions(2, 9);
        HeadCache second = cache.head(0, 1);
        second.evict(4); // head 1 lacks position 4, so head 0's p4 is the oldest candidate and p5 ties across heads
        float[][][] scores = {{filled(9, 0.5f), filled(9, 0.5f)}};
        // keep 5·2 = 10 of 9 + 8: the 8 sinks, h0 p4 (smallest position), then p5 of h0 before p5 of h1
        assertEquals(7, EpisodeEviction.evict(cache, scores, new int[] {5}, Level.PAIR));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, kept(cache, 0, 0));
        assertArrayEquals(new int[] {0, 1, 2, 3}, kept(cache, 0, 1));
    }

    @Test
    void aBudgetSmallerThanTheSinksKeepsTheOldestSinks() {
        KvCache cache = cacheWithPositions(1, 6);
        EpisodeEviction.evict(cache, new float[][][] {{filled(6, 1f)}}, new int[] {2}, Level.PAIR_UNIFORM);
        assertArrayEquals(new int[] {0, 1}, kept(cache, 0, 0));
    }

    @Test
    void aLayerWithinItsBudgetIsLeftUntouched() {
        KvCache cache = cacheWithPositions(2, 6);
        long before = cache.head(0, 0).revision() + cache.head(0, 1).revision();
        // 12 entries, budget 6·2 = 12 (PAIR) or 6 per head (PAIR_UNIFORM)
        assertEquals(0, EpisodeEviction.evict(cache, new float[][][] {{filled(6, 0), filled(6, 0)}}, new int[] {6}, Level.PAIR));
        assertEquals(0, EpisodeEviction.evict(cache, new float[][][] {{filled(6, 0), filled(6, 0)}}, new int[] {6}, Level.PAIR_UNIFORM));
        assertEquals(before, cache.head(0, 0).revision() + cache.head(0, 1).revision());
    }

    @Test
    void eachLayerIsHeldToItsOwnBudget() {
        KvCache cache = new KvCache(2, 1, 1, CacheDtype.F32);
        for (int l = 0; l < 2; l++) {
            for (int p = 0; p < 10; p++) {
                cache.head(l, 0).append(p, ZERO, 0, ZERO, 0);
            }
        }
        float[] rising = {0, 0, 0, 0, 1, 2, 3, 4, 5, 6};
        assertEquals(4 + 1, EpisodeEviction.evict(cache, new float[][][] {{rising}, {rising}}, new int[] {6, 9}, Level.PAIR));
        assertArrayEquals(new int[] {0, 1, 2, 3, 8, 9}, kept(cache, 0, 0));
        assertArrayEquals(new int[] {0, 1, 2, 3, 5, 6, 7, 8, 9}, kept(cache, 1, 0));
    }

    @Test
    void freeSlotsAndScoresPastTheLastSlotAreIgnored() {
        KvCache cache = cacheWithPositions(1, 8);
        HeadCache head = cache.head(0, 0);
        head.evict(5); // slot 5 is free: its NaN is not a score
        float[] scores = {0, 0, 0, 0, 1, Float.NaN, 3, 2, Float.POSITIVE_INFINITY, Float.NaN};
        assertEquals(2, EpisodeEviction.evict(cache, new float[][][] {{scores}}, new int[] {5}, Level.PAIR));
        assertArrayEquals(new int[] {0, 1, 2, 3, 6}, kept(cache, 0, 0));
    }

    @Test
    void slotsFollowTheirScoresAfterFreeSlotsWereReused() {
        KvCache cache = cacheWithPositions(1, 8);
        HeadCache head = cache.head(0, 0);
        head.evict(4);
        head.evict(6);
        head.append(8, ZERO, 0, ZERO, 0); // into slot 4
        head.append(9, ZERO, 0, ZERO, 0); // into slot 6
        // slot: 0..3 sinks, 4 → p8, 5 → p5, 6 → p9, 7 → p7
        float[] scores = {0, 0, 0, 0, 0.2f, 0.1f, 0.9f, 0.3f};
        EpisodeEviction.evict(cache, new float[][][] {{scores}}, new int[] {6}, Level.PAIR);
        assertArrayEquals(new int[] {0, 1, 2, 3, 7, 9}, kept(cache, 0, 0));
    }

    @Test
    void theSameInputKeepsTheSamePositions() {
        for (Level level : Level.values()) {
            KvCache first = randomCache(3, 3, 99);
            KvCache second = randomCache(3, 3, 99);
            int[] budgets = {5, 9, 12};
            EpisodeEviction.evict(first, randomScores(first, 99), budgets, level);
            EpisodeEviction.evict(second, randomScores(second, 99), budgets, level);
            for (int l = 0; l < 3; l++) {
                for (int h = 0; h < 3; h++) {
                    assertArrayEquals(kept(first, l, h), kept(second, l, h));
                    assertArrayEquals(first.head(l, h).slotsByPosition(), second.head(l, h).slotsByPosition());
                }
            }
        }
    }

    @Property(tries = 100, seed = "11")
    void theKeptSetIsExactlyTheTopByScoreWithinTheBudget(@ForAll @IntRange(min = 1, max = 3) int layers,
                                                        @ForAll @IntRange(min = 1, max = 4) int kvHeads, @ForAll Level level,
                                                        @ForAll long seed) {
        KvCache cache = randomCache(layers, kvHeads, seed);
        float[][][] scores = randomScores(cache, seed);
        SplittableRandom random = new SplittableRandom(seed ^ 0x5eed);
        int[] budgets = new int[layers];
        for (int l = 0; l < layers; l++) {
            budgets[l] = random.nextInt(31);
        }
        List<List<Entry>> before = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            before.add(entries(cache, scores, l));
        }

        long evicted = EpisodeEviction.evict(cache, scores, budgets, level);

        long removed = 0;
        for (int l = 0; l < layers; l++) {
            List<Entry> expected = bruteForceKeep(before.get(l), budgets[l], kvHeads, level);
            removed += before.get(l).size() - expected.size();
            long layerSize = 0;
            for (int h = 0; h < kvHeads; h++) {
                int head = h;
                int[] positions = kept(cache, l, h);
                layerSize += positions.length;
                assertArrayEquals(expected.stream().filter(e -> e.head == head).mapToInt(Entry::position).sorted().toArray(), positions,
                        "head (" + l + ", " + h + ") keeps the top by score");
                if (level == Level.PAIR_UNIFORM) {
                    assertTrue(positions.length <= budgets[l], "head (" + l + ", " + h + ") holds " + positions.length + " > b_l = " + budgets[l]);
                }
                if (budgets[l] >= EpisodeEviction.SINKS) {
                    int[] sinks = before.get(l).stream().filter(e -> e.head == head && e.position < EpisodeEviction.SINKS)
                            .mapToInt(Entry::position).sorted().toArray();
                    assertArrayEquals(sinks, Arrays.copyOf(positions, Math.min(sinks.length, positions.length)), "sinks of (" + l + ", " + h + ")");
                }
            }
            if (level == Level.PAIR) {
                assertTrue(layerSize <= (long) budgets[l] * kvHeads, "layer " + l + " holds " + layerSize + " > b_l·H_kv");
            }
        }
        assertEquals(removed, evicted);
    }

    /** An entry as the test sees it: its score with the sink rule applied. */
    private record Entry(int head, int position, float score) {
        /** Whether this entry ranks before {@code other}: higher score, then smaller position, then smaller head. */
        boolean beats(Entry other) {
            if (score != other.score) {
                return score > other.score;
            }
            return position != other.position ? position < other.position : head < other.head;
        }
    }

    private static List<Entry> entries(KvCache cache, float[][][] scores, int layer) {
        List<Entry> entries = new ArrayList<>();
        for (int h = 0; h < cache.kvHeads(); h++) {
            HeadCache head = cache.head(layer, h);
            for (int slot = 0; slot < head.slots(); slot++) {
                int p = head.position(slot);
                if (p != HeadCache.FREE) {
                    entries.add(new Entry(h, p, p < 4 ? Float.POSITIVE_INFINITY : scores[layer][h][slot]));
                }
            }
        }
        return entries;
    }

    /** Keeps an entry when fewer than the keep count of its competitors beat it (O(n²), no sorting). */
    private static List<Entry> bruteForceKeep(List<Entry> entries, int budget, int kvHeads, Level level) {
        List<Entry> keep = new ArrayList<>();
        for (Entry e : entries) {
            long keepCount = level == Level.PAIR ? (long) budget * kvHeads : budget;
            long better = entries.stream().filter(o -> (level == Level.PAIR || o.head == e.head) && o.beats(e)).count();
            if (better < keepCount) {
                keep.add(e);
            }
        }
        return keep;
    }

    /** Every head gets positions 0..n−1, loses some older non-sinks (as an earlier compaction would), then gains newer ones. */
    private static KvCache randomCache(int layers, int kvHeads, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        KvCache cache = new KvCache(layers, kvHeads, 1, CacheDtype.F32);
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                HeadCache head = cache.head(l, h);
                int n = random.nextInt(61);
                for (int p = 0; p < n; p++) {
                    head.append(p, ZERO, 0, ZERO, 0);
                }
                for (int slot = 4; slot < n; slot++) {
                    if (random.nextInt(3) == 0) {
                        head.evict(slot);
                    }
                }
                int more = random.nextInt(21);
                for (int p = n; p < n + more; p++) {
                    head.append(p, ZERO, 0, ZERO, 0);
                }
            }
        }
        return cache;
    }

    /** Few distinct values (ties are common), an occasional +∞, garbage in free slots and past the end. */
    private static float[][][] randomScores(KvCache cache, long seed) {
        SplittableRandom random = new SplittableRandom(~seed);
        float[][][] scores = new float[cache.layers()][cache.kvHeads()][];
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                HeadCache head = cache.head(l, h);
                float[] bySlot = new float[head.slots() + random.nextInt(4)];
                for (int slot = 0; slot < bySlot.length; slot++) {
                    boolean used = slot < head.slots() && head.position(slot) != HeadCache.FREE;
                    if (!used) {
                        bySlot[slot] = Float.NaN;
                    } else if (random.nextInt(20) == 0) {
                        bySlot[slot] = Float.POSITIVE_INFINITY;
                    } else {
                        bySlot[slot] = random.nextInt(6) / 5f;
                    }
                }
                scores[l][h] = bySlot;
            }
        }
        return scores;
    }

    @Test
    void mismatchedShapesNegativeBudgetsAndNanScoresAreRefused() {
        KvCache cache = cacheWithPositions(2, 6);
        float[][] layer = {filled(6, 0), filled(6, 0)};
        assertThrows(IllegalArgumentException.class, () -> EpisodeEviction.evict(cache, new float[][][] {layer, layer}, new int[] {4}, Level.PAIR));
        assertThrows(IllegalArgumentException.class, () -> EpisodeEviction.evict(cache, new float[][][] {layer}, new int[] {4, 4}, Level.PAIR));
        assertThrows(IllegalArgumentException.class, () -> EpisodeEviction.evict(cache, new float[][][] {{filled(6, 0)}}, new int[] {4}, Level.PAIR));
        assertThrows(IllegalArgumentException.class,
                () -> EpisodeEviction.evict(cache, new float[][][] {{filled(6, 0), filled(5, 0)}}, new int[] {4}, Level.PAIR));
        assertThrows(IllegalArgumentException.class, () -> EpisodeEviction.evict(cache, new float[][][] {layer}, new int[] {-1}, Level.PAIR));
        float[] nan = filled(6, 0);
        nan[5] = Float.NaN;
        assertThrows(IllegalArgumentException.class,
                () -> EpisodeEviction.evict(cache, new float[][][] {{filled(6, 0), nan}}, new int[] {4}, Level.PAIR_UNIFORM));
    }

    @Test
    void aRefusedCallEvictsNothingEvenInLayersBeforeTheBadOne() {
        KvCache cache = new KvCache(2, 1, 1, CacheDtype.F32);
        for (int l = 0; l < 2; l++) {
            for (int p = 0; p < 8; p++) {
                cache.head(l, 0).append(p, ZERO, 0, ZERO, 0);
            }
        }
        float[] nan = filled(8, 0);
        nan[6] = Float.NaN;
        assertThrows(IllegalArgumentException.class,
                () -> EpisodeEviction.evict(cache, new float[][][] {{filled(8, 0)}, {nan}}, new int[] {4, 4}, Level.PAIR));
        assertEquals(8, cache.head(0, 0).size());
        assertThrows(IllegalArgumentException.class,
                () -> EpisodeEviction.evict(cache, new float[][][] {{filled(8, 0)}, {filled(8, 0)}}, new int[] {4, -1}, Level.PAIR));
        assertEquals(8, cache.head(0, 0).size());
    }

    /** One layer of {@code kvHeads} heads, each holding positions 0..count−1 in slots 0..count−1. */
    private static KvCache cacheWithPositions(int kvHeads, int count) {
        KvCache cache = new KvCache(1, kvHeads, 1, CacheDtype.F32);
        for (int h = 0; h < kvHeads; h++) {
            for (int p = 0; p < count; p++) {
                cache.head(0, h).append(p, ZERO, 0, ZERO, 0);
            }
        }
        return cache;
    }

    private static int[] kept(KvCache cache, int layer, int kvHead) {
        HeadCache head = cache.head(layer, kvHead);
        return Arrays.stream(head.slotsByPosition()).map(head::position).toArray();
    }

    private static float[] filled(int length, float value) {
        float[] values = new float[length];
        Arrays.fill(values, value);
        return values;
    }
}
