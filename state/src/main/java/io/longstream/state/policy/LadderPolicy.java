package io.longstream.state.policy;

import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.RopeMode;

/**
 * {@code lacache} (LaCache, kv-policies §5): different layers keep different old tokens, a ladder
 * across depth, and when space runs out the ladder region is thinned again with a growing stride.
 * All heads of a layer keep the same positions; a slot is an entry's rank in its layer's list.
 *
 * <pre>
 * G = 1 + ceil((L−S)/(S−O))   group;   A = min(ceil(S/(S−O)), G)   kept per group;   R = G − A   freed
 * φ(l, r) = l mod (r+1)        the layer's phase: which A slots of a group layer l keeps
 * state: cursor c (slot index, from s0): slots [s0, c) are ladder, [c, n) not yet thinned
 * </pre>
 */
public final class LadderPolicy implements CachePolicy {
    private final int budget;
    private final int layers;
    private final int span;
    private final int overlap;
    private final int start;
    private final int group;
    private final int keptPerGroup;
    private final int freedPerGroup;
    private final int chunk;
    private final int target;
    private int cursor;

    /**
     * @param span S, 0 for the default min(16, max(1, floor(L/2)))
     */
    public LadderPolicy(int budget, int layers, int span, int overlap, int start, int configuredChunk) {
        this.budget = budget;
        this.layers = layers;
        this.span = span == 0 ? Math.min(16, Math.max(1, layers / 2)) : span;
        this.overlap = overlap;
        this.start = start;
        if (!(0 <= overlap && overlap < this.span && this.span < layers) || start < 0) {
            throw new IllegalArgumentException("lacache needs 0 <= overlap < span < layers and start >= 0, got overlap O="
                    + overlap + ", span S=" + this.span + ", layers L=" + layers + ", start=" + start);
        }
        int stride = this.span - overlap;
        this.group = 1 + ceilDiv(layers - this.span, stride);
        this.keptPerGroup = Math.min(ceilDiv(this.span, stride), group);
        this.freedPerGroup = group - keptPerGroup;
        if (freedPerGroup < 1) {
            throw new IllegalArgumentException("lacache with S=" + this.span + ", O=" + overlap + ", L=" + layers
                    + " frees nothing per group (R = G - A = " + freedPerGroup + "): lower the span or the overlap");
        }
        ChunkBudget.requireBudget("lacache", budget, 2);
        this.chunk = largestChunk(budget, configuredChunk);
        if (chunk < 1) {
            throw new IllegalArgumentException("lacache: no chunk fits budget B=" + budget + " with S=" + this.span + ", O=" + overlap
                    + ", L=" + layers + " and start " + start + " (needs floor((B - c - start - L)/A)*R >= c for some c >= 1)");
        }
        this.target = budget - chunk;
        this.cursor = start;
    }

    /** c* = the largest c ≤ min(C, floor(B/2)) with floor((B − c − s0 − L)/A)·R ≥ c: one compaction per chunk suffices. */
    private int largestChunk(int b, int configuredChunk) {
        for (int c = ChunkBudget.halfChunk(b, configuredChunk); c >= 1; c--) {
            int room = b - c - start - layers;
            if (room >= 0 && room / keptPerGroup * freedPerGroup >= c) {
                return c;
            }
        }
        return 0;
    }

    @Override
    public String spec() {
        return "lacache:span=" + span + ",overlap=" + overlap + ",start=" + start + ",budget=" + budget;
    }

    @Override
    public int budget() {
        return budget;
    }

    @Override
    public int chunk() {
        return chunk;
    }

    @Override
    public String refusal(int size, int incoming) {
        return null;
    }

    @Override
    public RopeMode ropeMode() {
        return RopeMode.RANK;
    }

    @Override
    public long[] state() {
        return new long[] {cursor};
    }

    @Override
    public void restore(long[] state) {
        if (state.length != 1 || state[0] < start) {
            throw new IllegalArgumentException("lacache state is its cursor (>= " + start + "), got " + java.util.Arrays.toString(state));
        }
        cursor = (int) state[0];
    }

    /**
     * Thins the cache to the target. A cache far over it (a switch to a much smaller budget) is thinned in rounds,
     * as if it had arrived chunk by chunk under this policy: each round compacts the oldest {@code T + c*} ranks
     * and leaves the newer ones for the next, because §5's index math holds only for need ≤ c* (per ≥ c*).
     */
    @Override
    public long compact(KvCache cache) {
        if (cache.layers() != layers) {
            throw new IllegalArgumentException("lacache was built for " + layers + " layers, the cache has " + cache.layers());
        }
        long evicted = 0;
        for (int n = cache.head(0, 0).size(); n > target; n = cache.head(0, 0).size()) {
            evicted += compactRanks(cache, n, Math.min(n, target + chunk));
        }
        return evicted;
    }

    /** One round of §5's compact(T) on ranks [0, m) of a cache of n entries per head; ranks ≥ m stay. */
    private long compactRanks(KvCache cache, int n, int m) {
        int need = m - target;
        int room = target - cursor - layers;
        int fit = Math.max(0, room) / keptPerGroup * freedPerGroup;
        boolean[][] keep = new boolean[layers][];
        int nextCursor;
        if (need <= fit) {
            int g = ceilDiv(need, freedPerGroup);
            for (int l = 0; l < layers; l++) {
                keep[l] = ladder(m, cursor, g, group, phase(l, freedPerGroup), 0);
            }
            nextCursor = cursor + g * keptPerGroup;
        } else {
            // iterative compaction: pass 1 fills the room, pass 2 re-thins the ladder with a wider stride
            int g1 = Math.max(0, room) / keptPerGroup;
            int left = need - g1 * freedPerGroup;
            int per = (target - start - layers) / keptPerGroup * freedPerGroup;
            int t = ceilDiv(left, per);
            int group2 = group + (t - 1) * (group - 1);
            int freed2 = group2 - keptPerGroup;
            int g2 = ceilDiv(left, freed2);
            for (int l = 0; l < layers; l++) {
                boolean[] pass1 = ladder(m, cursor, g1, group, phase(l, freedPerGroup), 0);
                int[] survivors = indicesOf(pass1);
                boolean[] pass2 = ladder(survivors.length, start, g2, group2, phase(l, freed2), t);
                keep[l] = new boolean[m];
                for (int i = 0; i < survivors.length; i++) {
                    keep[l][survivors[i]] = pass2[i];
                }
            }
            nextCursor = start + g2 * keptPerGroup;
        }
        long evicted = 0;
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                HeadCache head = cache.head(l, h);
                int[] byPosition = head.slotsByPosition();
                if (byPosition.length != n) {
                    throw new IllegalStateException("lacache: layer " + l + " head " + h + " holds " + byPosition.length
                            + " entries, layer 0 head 0 holds " + n + " (all must hold the same count)");
                }
                for (int rank = 0; rank < m; rank++) {
                    if (!keep[l][rank]) {
                        head.evict(byPosition[rank]);
                        evicted++;
                    }
                }
            }
        }
        cursor = nextCursor;
        return evicted;
    }

    /**
     * keep = [0, from) ∪ {from + jG + offset(k) : j < groups, k < A} ∪ [from + groups·G, n), where
     * offset(k) = φ + k, or with stretch t > 0 (pass 2) min(φ + t·k, G − A + k).
     */
    private boolean[] ladder(int n, int from, int groups, int g, int phase, int stretch) {
        boolean[] keep = new boolean[n];
        int end = from + groups * g;
        if (end > n) {
            throw new IllegalStateException("lacache: ladder region [" + from + ", " + end + ") passes the " + n + " entries");
        }
        for (int i = 0; i < from; i++) {
            keep[i] = true;
        }
        for (int j = 0; j < groups; j++) {
            for (int k = 0; k < keptPerGroup; k++) {
                int offset = stretch == 0 ? phase + k : Math.min(phase + stretch * k, g - keptPerGroup + k);
                keep[from + j * g + offset] = true;
            }
        }
        for (int i = end; i < n; i++) {
            keep[i] = true;
        }
        return keep;
    }

    private static int phase(int layer, int freed) {
        return layer % (freed + 1);
    }

    private static int[] indicesOf(boolean[] keep) {
        int count = 0;
        for (boolean k : keep) {
            count += k ? 1 : 0;
        }
        int[] out = new int[count];
        int n = 0;
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                out[n++] = i;
            }
        }
        return out;
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }
}
