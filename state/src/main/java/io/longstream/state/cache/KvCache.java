package io.longstream.state.cache;

/**
 * A session's transformer KV cache: one {@link HeadCache} per (layer, KV head), and the next original
 * position to hand out. Positions are never reused, whatever a policy evicts.
 */
public final class KvCache {
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final CacheDtype dtype;
    private final HeadCache[] heads; // [layer * kvHeads + kvHead]
    private int nextPosition;
    private RopeMode ropeMode = RopeMode.ORIGINAL;

    public KvCache(int layers, int kvHeads, int headDim, CacheDtype dtype) {
        if (layers < 1 || kvHeads < 1) {
            throw new IllegalArgumentException("a cache needs >= 1 layer and KV head, got " + layers + " x " + kvHeads);
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.dtype = dtype;
        this.heads = new HeadCache[layers * kvHeads];
        for (int i = 0; i < heads.length; i++) {
            heads[i] = new HeadCache(headDim, dtype, 64);
        }
    }

    public HeadCache head(int layer, int kvHead) {
        return heads[layer * kvHeads + kvHead];
    }

    public int layers() {
        return layers;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public CacheDtype dtype() {
        return dtype;
    }

    /** How attention rotates this cache's keys; the session's policy sets it. */
    public RopeMode ropeMode() {
        return ropeMode;
    }

    public void setRopeMode(RopeMode mode) {
        ropeMode = mode;
    }

    /** Entries per (layer, KV head), on average: what a query attends from this cache. */
    public double meanEntries() {
        long entries = 0;
        for (HeadCache head : heads) {
            entries += head.size();
        }
        return (double) entries / heads.length;
    }

    /** Most entries any (layer, KV head) holds. */
    public int maxEntries() {
        int max = 0;
        for (HeadCache h : heads) {
            max = Math.max(max, h.size());
        }
        return max;
    }

    public int nextPosition() {
        return nextPosition;
    }

    /** Hands out {@code count} consecutive positions for the tokens of a chunk; returns the first. */
    public int claimPositions(int count) {
        int first = nextPosition;
        nextPosition = Math.addExact(nextPosition, count);
        return first;
    }

    /** Sets the position counter of a cache rebuilt from saved pages. */
    public void restoreNextPosition(int next) {
        if (next < 0) {
            throw new IllegalArgumentException("next position must be >= 0, got " + next);
        }
        nextPosition = next;
    }

    /** Restores the position counter and every head to an earlier mark (drops a scratch overlay). */
    public void rollback(Mark mark) {
        for (int i = 0; i < heads.length; i++) {
            heads[i].rollback(mark.heads[i]);
        }
        nextPosition = mark.nextPosition;
    }

    public Mark mark() {
        HeadCache.Mark[] marks = new HeadCache.Mark[heads.length];
        for (int i = 0; i < heads.length; i++) {
            marks[i] = heads[i].mark();
        }
        return new Mark(nextPosition, marks);
    }

    /**
     * An independent copy, entry for entry and slot for slot (through the page codec, so bit-exact); every page of
     * the copy counts as unsaved, since no store holds it yet.
     */
    public KvCache copy() {
        KvCache c = new KvCache(layers, kvHeads, headDim, dtype);
        for (int i = 0; i < heads.length; i++) {
            for (int page = 0; page < KvPageCodec.pages(heads[i].slots()); page++) {
                KvPageCodec.decode(KvPageCodec.encode(heads[i], page), c.heads[i], page);
            }
            c.heads[i].markUnsaved();
        }
        c.nextPosition = nextPosition;
        c.ropeMode = ropeMode;
        return c;
    }

    public long bytes() {
        long total = 0;
        for (HeadCache h : heads) {
            total += h.bytes();
        }
        return total;
    }

    /** Where a cache stood, to return to after attending a scratch overlay. */
    public static final class Mark {
        private final int nextPosition;
        private final HeadCache.Mark[] heads;

        private Mark(int nextPosition, HeadCache.Mark[] heads) {
            this.nextPosition = nextPosition;
            this.heads = heads;
        }
    }
}
