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
 *
 * <p>Several tokens share each weight vector loaded, 4 panels x 4 tokens at a time. Tried against it on a 2-core
 * Zen 4 VM (docs/bench.md, "Small-row kernels"): 2 panels x 6 tokens, the AVX2 sgemm shape that fits the 16 vector
 * registers, was 0.6x as fast at 6 to 64 tokens; 4 panels x 3 tokens no faster; activations broadcast into a
 * vector tile per 6 tokens and column block, 0.7x (the broadcasts cost what the tile saves).
 */
public abstract class PackedMatrix {
    static final int PANELS = 4;
    static final int GROUP = PANELS * Lanes.L;
    /**
     * Columns per block, so a block's weights stay in the core's caches while the tokens stream past. 256 (32 KB of a
     * bf16 group) prefilled 3% faster than 128 on a 2-core Zen 4 VM, and 512 no faster than 256.
     */
    static final int K_BLOCK = 256;

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
     * {@code acc[i][p] = Σ_k W[(g + i)·GROUP + p][k] · x[k]} for i in {0, 1}, g even, over all columns at once: one
     * token reuses no block of weights, and every block would restart the loop (2-3% of decode on a 2-core Zen 4
     * VM). For subclasses that store the two groups as one run of memory; see {@link #fusesTwoGroups}.
     */
    protected void accumulateTwoGroups(int g, float[] x, float[] acc) {
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
        multiplyAll(new PackedMatrix[] {this}, x, n, new float[][] {y}, pool);
    }

    /**
     * {@code ys[i] = x·ms[i]ᵀ} for matrices of the same width over one input, in one parallel loop (one hand-off and
     * one loop end instead of one per matrix); each output is computed exactly as {@link #multiply} computes it.
     */
    public static void multiplyAll(PackedMatrix[] ms, float[] x, int n, float[][] ys, WorkerPool pool) {
        // decode fuses two groups, so pieces are cut in pairs of groups
        int[] unit = new int[ms.length];
        int[] firstUnit = new int[ms.length + 1];
        for (int i = 0; i < ms.length; i++) {
            PackedMatrix m = ms[i];
            if (m.cols != ms[0].cols || x.length < (long) n * m.cols || ys[i].length < (long) n * m.rows) {
                throw new IllegalArgumentException("buffers or widths do not fit " + n + " tokens x " + m.cols + " -> " + m.rows);
            }
            unit[i] = n == 1 && m.fusesTwoGroups() ? 2 : 1;
            firstUnit[i + 1] = firstUnit[i] + (m.groups + unit[i] - 1) / unit[i];
        }
        // every unit is a piece: a loop ends at most one unit (a bf16 quad: 0.5 MB at 2048 columns, 2 MB at 8192) after its
        // first thread is done, while the other streams alone at a fraction of the bandwidth
        pool.forPieces(firstUnit[ms.length], firstUnit[ms.length], (u0, u1) -> {
            for (int i = 0; i < ms.length; i++) {
                int from = Math.max(u0, firstUnit[i]);
                int to = Math.min(u1, firstUnit[i + 1]);
                if (from < to) {
                    PackedMatrix m = ms[i];
                    m.groups((from - firstUnit[i]) * unit[i], Math.min(m.groups, (to - firstUnit[i]) * unit[i]), x, n, ys[i]);
                }
            }
        });
    }

    /** Rows of groups [g0, g1) for all n tokens. */
    private void groups(int g0, int g1, float[] x, int n, float[] y) {
        float[] acc = new float[Math.max(n, 2) * GROUP];
        float[] tile = newTile();
        int g = g0;
        if (n == 1 && fusesTwoGroups()) {
            // decode: two groups at a time, one run of memory
            for (; g + 1 < g1; g += 2) {
                accumulateTwoGroups(g, x, acc);
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
