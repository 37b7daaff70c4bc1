package io.longstream.state.policy.epicache;

import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import java.util.Arrays;
import java.util.Comparator;

/**
 * EpiCache's compaction of one episode cache after a chunk (kv-policies §6, "Per chunk"): each layer keeps the
 * entries its episode's patched prompt attended to most, so the cache holds what that topic needs.
 */
public final class EpisodeEviction {
    /** Positions below this are attention sinks, scored +∞ so the episode never loses them to a topic. */
    static final int SINKS = 4;

    /** How a layer's budget is shared among its KV heads. */
    public enum Level {
        /** The top b_l·H_kv (head, position) pairs of the whole layer: heads that attend sharply keep more. */
        PAIR,
        /** The top b_l of every head. */
        PAIR_UNIFORM
    }

    private EpisodeEviction() {
    }

    /**
     * Evicts, in every layer l, all but the top entries by score ({@link Level#PAIR}: b_l·H_kv of the layer,
     * {@link Level#PAIR_UNIFORM}: b_l per head). Positions below 4 score +∞; equal scores prefer the smaller
     * position, then the smaller head (kv-policies §1). When the budget holds fewer entries than there are sinks,
     * the budget wins and the newer sinks go first.
     *
     * @param scores       {@code scores[l][h][slot]}: the score of the entry in that slot of head (l, h); entries
     *                     for free slots and past {@link HeadCache#slots()} are ignored
     * @param layerBudgets b_l per layer, ≥ 0
     * @return how many entries were evicted
     * @throws IllegalArgumentException if the shapes disagree with the cache, a budget is negative, or a used
     *                                  slot's score is NaN; nothing is evicted then
     */
    public static long evict(KvCache cache, float[][][] scores, int[] layerBudgets, Level level) {
        int layers = cache.layers();
        int kvHeads = cache.kvHeads();
        if (scores.length != layers || layerBudgets.length != layers) {
            throw new IllegalArgumentException("eviction needs scores and a budget for each of " + layers + " layers, got "
                    + scores.length + " and " + layerBudgets.length);
        }
        // every layer is read and checked before any is touched, so a refused call leaves the cache as it was
        Entries[] byLayer = new Entries[layers];
        for (int l = 0; l < layers; l++) {
            if (layerBudgets[l] < 0) {
                throw new IllegalArgumentException("layer " + l + " has a negative budget " + layerBudgets[l]);
            }
            if (scores[l].length != kvHeads) {
                throw new IllegalArgumentException("layer " + l + " has scores for " + scores[l].length + " KV heads, the cache " + kvHeads);
            }
            byLayer[l] = Entries.of(cache, scores, l);
        }
        long evicted = 0;
        for (int l = 0; l < layers; l++) {
            Entries layer = byLayer[l];
            if (level == Level.PAIR) {
                evicted += layer.evictBelow(0, layer.size(), (long) layerBudgets[l] * kvHeads);
            } else {
                for (int from = 0; from < layer.size(); ) {
                    int to = layer.endOfHead(from);
                    evicted += layer.evictBelow(from, to, layerBudgets[l]);
                    from = to;
                }
            }
        }
        return evicted;
    }

    /** One layer's used entries in head order, with the score each competes with. */
    private static final class Entries {
        private final HeadCache[] heads;
        private final int[] head;
        private final int[] slot;
        private final int[] position;
        private final float[] score;

        private Entries(HeadCache[] heads, int size) {
            this.heads = heads;
            head = new int[size];
            slot = new int[size];
            position = new int[size];
            score = new float[size];
        }

        static Entries of(KvCache cache, float[][][] scores, int layer) {
            HeadCache[] heads = new HeadCache[cache.kvHeads()];
            int size = 0;
            for (int h = 0; h < heads.length; h++) {
                heads[h] = cache.head(layer, h);
                size += heads[h].size();
            }
            Entries entries = new Entries(heads, size);
            int e = 0;
            for (int h = 0; h < heads.length; h++) {
                float[] bySlot = scores[layer][h];
                if (bySlot.length < heads[h].slots()) {
                    throw new IllegalArgumentException("head (" + layer + ", " + h + ") has " + heads[h].slots() + " slots but "
                            + bySlot.length + " scores");
                }
                for (int s = 0; s < heads[h].slots(); s++) {
                    int p = heads[h].position(s);
                    if (p == HeadCache.FREE) {
                        continue;
                    }
                    if (Float.isNaN(bySlot[s])) {
                        throw new IllegalArgumentException("head (" + layer + ", " + h + ") slot " + s + " has a NaN score");
                    }
                    entries.head[e] = h;
                    entries.slot[e] = s;
                    entries.position[e] = p;
                    entries.score[e] = p < SINKS ? Float.POSITIVE_INFINITY : bySlot[s];
                    e++;
                }
            }
            return entries;
        }

        int size() {
            return head.length;
        }

        /** The end of the run of entries of the head that {@code from} belongs to. */
        int endOfHead(int from) {
            int to = from;
            while (to < head.length && head[to] == head[from]) {
                to++;
            }
            return to;
        }

        /** Evicts all but the {@code keep} best of entries [from, to); returns how many it evicted. */
        long evictBelow(int from, int to, long keep) {
            if (to - from <= keep) {
                return 0;
            }
            Integer[] ranked = new Integer[to - from];
            for (int i = 0; i < ranked.length; i++) {
                ranked[i] = from + i;
            }
            Comparator<Integer> higherScore = (a, b) -> Float.compare(score[b], score[a]);
            Arrays.sort(ranked, higherScore.thenComparingInt(e -> position[e]).thenComparingInt(e -> head[e]));
            for (int r = (int) keep; r < ranked.length; r++) {
                heads[head[ranked[r]]].evict(slot[ranked[r]]);
            }
            return ranked.length - keep;
        }
    }
}
