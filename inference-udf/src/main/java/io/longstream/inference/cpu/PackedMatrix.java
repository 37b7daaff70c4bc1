package io.longstream.inference.cpu;

import java.util.Arrays;

/**
 * A weight matrix W [rows][cols] in its file dtype, packed in panels of {@link Lanes#L} rows stored
 * k-major, so one vector load yields one column slice of L rows and {@code y = x·Wᵀ} vectorises over
 * output rows. Rows are padded to whole groups of 4 panels with zeros.
 *
 * <p>Every output {@code y[t][r]} is a single fused multiply-add chain over k in increasing order,
 * starting from 0. Matrix-matrix and matrix-vector products, any blocking, thread count or vector
 * width therefore give the same bits.
 */
public abstract class PackedMatrix {
    static final int PANELS = 4;
    static final int GROUP = PANELS * Lanes.L;
    /** Columns per block, so a block's weights stay in L1 while the tokens stream past. */
    static final int K_BLOCK = 128;
    /** Pieces of a product per thread: enough that a slowed thread's share is taken over, few enough to stream. */
    static final int PIECES_PER_THREAD = 16;

    protected final int rows;
    protected final int cols;
    protected final int groups;

    protected PackedMatrix(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        this.groups = (rows + GROUP - 1) / GROUP;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public long bytes() {
        return (long) groups * GROUP * cols * elementBytes();
    }

    protected abstract int elementBytes();

    /** Copies row {@code r} as floats into {@code dst} (an embedding lookup). */
    public abstract void row(int r, float[] dst, int offset);

    /**
     * Adds the contribution of columns [k0, k1) to the accumulators of group {@code g} for all n
     * tokens. {@code acc[t * GROUP + i]} belongs to row {@code g * GROUP + i}.
     */
    protected abstract void accumulate(int g, int k0, int k1, float[] x, int n, float[] acc, float[] tile);

    /**
     * The single-token case of {@link #accumulate} for groups g and g + 1 at once (acc: [2][GROUP]),
     * for subclasses that fuse the two to keep more weight streams in flight; see {@link #fusesTwoGroups}.
     */
    protected void accumulateTwoGroups(int g, int k0, int k1, float[] x, float[] acc, float[] tile) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not fuse two groups");
    }

    /** Whether {@link #accumulateTwoGroups} is implemented. */
    protected boolean fusesTwoGroups() {
        return false;
    }

    /** Scratch a subclass needs per thread for {@link #accumulate}, or null. */
    protected float[] newTile() {
        return null;
    }

    /** {@code y[t][r] = Σ_k x[t][k] · W[r][k]}; x: [n][cols], y: [n][rows]. */
    public final void multiply(float[] x, int n, float[] y, WorkerPool pool) {
        if (x.length < (long) n * cols || y.length < (long) n * rows) {
            throw new IllegalArgumentException("buffers too small for " + n + " tokens x " + cols + " -> " + rows);
        }
        // decode fuses two groups, so pieces are cut in pairs of groups; a piece per ~8 per thread keeps threads even
        int unit = n == 1 && fusesTwoGroups() ? 2 : 1;
        int units = (groups + unit - 1) / unit;
        pool.forPieces(units, pool.threads() * PIECES_PER_THREAD, (u0, u1) -> {
            int g0 = u0 * unit;
            int g1 = Math.min(groups, u1 * unit);
            float[] acc = new float[Math.max(n, 2) * GROUP];
            float[] tile = newTile();
            int g = g0;
            if (n == 1 && fusesTwoGroups()) {
                // decode: two groups at a time, so more weight streams are in flight
                for (; g + 1 < g1; g += 2) {
                    Arrays.fill(acc, 0f);
                    for (int k0 = 0; k0 < cols; k0 += K_BLOCK) {
                        accumulateTwoGroups(g, k0, Math.min(cols, k0 + K_BLOCK), x, acc, tile);
                    }
                    store(acc, 0, g, 1, y);
                    store(acc, GROUP, g + 1, 1, y);
                }
            }
            for (; g < g1; g++) {
                Arrays.fill(acc, 0f);
                for (int k0 = 0; k0 < cols; k0 += K_BLOCK) {
                    accumulate(g, k0, Math.min(cols, k0 + K_BLOCK), x, n, acc, tile);
                }
                store(acc, 0, g, n, y);
            }
        });
    }

    /** Copies group g's accumulators (from acc[offset], n tokens) to its rows of y, dropping padding rows. */
    private void store(float[] acc, int offset, int g, int n, float[] y) {
        int r0 = g * GROUP;
        int valid = Math.min(GROUP, rows - r0);
        for (int t = 0; t < n; t++) {
            System.arraycopy(acc, offset + t * GROUP, y, t * rows + r0, valid);
        }
    }

    protected final int paddedRows() {
        return groups * GROUP;
    }
}
