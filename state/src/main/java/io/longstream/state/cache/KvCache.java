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
            heads[i].truncate(mark.sizes[i]);
        }
        nextPosition = mark.nextPosition;
    }

    public Mark mark() {
        int[] sizes = new int[heads.length];
        for (int i = 0; i < heads.length; i++) {
            sizes[i] = heads[i].size();
        }
        return new Mark(nextPosition, sizes);
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
        private final int[] sizes;

        private Mark(int nextPosition, int[] sizes) {
            this.nextPosition = nextPosition;
            this.sizes = sizes;
        }
    }
}
