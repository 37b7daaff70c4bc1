package io.longstream.inference.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;

import io.longstream.inference.model.TensorDtype;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction_attribute;

/** Typed launches of the kernels in kernels.cu (their shapes are documented there); callers hold the engine. */
final class Kernels {
    private static final int THREADS = 256;
    /** Products of at most this many rows take the small-tile kernel. */
    private static final int SMALL_ROWS = 16;
    /** k per split of the tensor-core product (SPLIT_K in kernels.cu). */
    private static final int SPLIT_K = 256;
    /** Slots of an attention part (PART_SLOTS in kernels.cu). */
    private static final int PART_SLOTS = 64;
    /** Below this many attention blocks (two per SM of an H200), a head's parts run as blocks of their own. */
    private static final int FEW_ATTENTION_BLOCKS = 264;
    /** Below this many blocks of 4 warps (a few per SM of an H200), a bf16 product runs its splits of k in parallel. */
    private static final int FEW_BLOCKS = 1024;
    /** Dynamic shared memory a launch may take without asking for more. */
    private static final int DEFAULT_SHARED = 48 * 1024;
    private final CudaEngine engine;
    /** Scratch for the split products' partial sums. */
    private final Workspace ws;

    Kernels(CudaEngine engine, Workspace ws) {
        this.engine = engine;
        this.ws = ws;
    }

    void embed(DeviceMatrix table, CUdeviceptr tokens, int rows, CUdeviceptr out) {
        launch("embed_" + table.suffix(), rows, 1, THREADS, 0, table.data.ptr(), tokens, table.cols, out);
    }

    void rmsNorm(CUdeviceptr x, DeviceArray w, float eps, int rows, int dim, CUdeviceptr out) {
        launch("rms_norm", rows, 1, THREADS, 0, x, w.ptr(), eps, dim, out);
    }

    /**
     * y[n][W.rows] = x[n][W.cols] · Wᵀ: bf16 weights on the tensor cores, whatever n, as one launch or, when that
     * would leave the GPU with few warps (decode), as one warp per split of k and their sum; f32 and f16 weights on
     * the SIMT kernels. Each pair of launches gives the same bits, so the choice by n keeps batch invariance.
     */
    void matmul(CUdeviceptr x, DeviceMatrix w, int n, CUdeviceptr y) {
        if (w.dtype == TensorDtype.BF16) {
            int blocks = ceil(w.rows, 32) * ceil(n, 16);
            int splits = ceil(w.cols, SPLIT_K);
            if (splits > 1 && blocks < FEW_BLOCKS) {
                long len = (long) n * w.rows;
                CUdeviceptr partials = ws.get("split-partials", 4L * splits * len);
                launchGrid("matmul_mma_bf16_split", ceil(w.rows, 32), ceil(n, 16), splits, 128, 0, x, w.data.ptr(), n, w.rows,
                        w.cols, partials);
                launch("sum_splits", blocks(len), 1, THREADS, 0, partials, splits, len, y);
            } else {
                launch("matmul_mma_bf16", ceil(w.rows, 32), ceil(n, 16), 128, 0, x, w.data.ptr(), n, w.rows, w.cols, y);
            }
        } else if (n <= SMALL_ROWS) {
            launch("matmul_small_" + w.suffix(), ceil(w.rows, 16), ceil(n, 16), THREADS, 0, x, w.data.ptr(), n, w.rows, w.cols, y);
        } else {
            launch("matmul_" + w.suffix(), ceil(w.rows, 64), ceil(n, 64), THREADS, 0, x, w.data.ptr(), n, w.rows, w.cols, y);
        }
    }

    void addInPlace(CUdeviceptr acc, CUdeviceptr delta, long len) {
        launch("add_in_place", blocks(len), 1, THREADS, 0, acc, delta, len);
    }

    void addBias(CUdeviceptr y, DeviceArray bias, int rows, int dim) {
        long len = (long) rows * dim;
        launch("add_bias", blocks(len), 1, THREADS, 0, y, bias.ptr(), dim, len);
    }

    void swiGlu(CUdeviceptr gate, CUdeviceptr up, long len) {
        launch("swiglu", blocks(len), 1, THREADS, 0, gate, up, len);
    }

    void ropeTable(DeviceArray invFreq, int half, int from, int count, CUdeviceptr cos, CUdeviceptr sin) {
        launch("rope_table", blocks((long) count * half), 1, THREADS, 0, invFreq.ptr(), half, from, count, cos, sin);
    }

    void writeView(CUdeviceptr base, long[] offsets, int capacity, int dtype) {
        launch("write_view", 1, 1, 1, 0, base, offsets[0], offsets[1], offsets[2], offsets[3], offsets[4], offsets[5],
                offsets[6], capacity, dtype);
    }

    void kvAppend(CUdeviceptr k, CUdeviceptr v, CUdeviceptr views, CUdeviceptr rowStep, CUdeviceptr rowPos,
                  CUdeviceptr slots, CUdeviceptr ropes, int layer, int rows, int kvHeads, int headDim) {
        launch("kv_append", rows, kvHeads, ceil(headDim, 32) * 32, 0, k, v, views, rowStep, rowPos, slots, ropes, layer,
                kvHeads, headDim);
    }

    /**
     * Attention of every row: one block per tile of {@code a.rowTile} rows of one step (see {@link Attention#tiles})
     * and KV head, one warp per (row, query head) of the tile, running the head's parts of PART_SLOTS slots in turn; or,
     * when that would leave the GPU with few blocks (decode), one block per part and their fold (the same bits).
     */
    void attention(Attention a, int layer, CUdeviceptr out, CUdeviceptr stats) {
        int warps = a.rowTile * (a.heads / a.kvHeads);
        int shared = 4 * (warps * a.headDim + 32 * (2 * a.headDim + 1) + 32);
        int parts = ceil(a.maxSpan, PART_SLOTS);
        if (parts > 1 && a.tileCount * a.kvHeads < FEW_ATTENTION_BLOCKS) {
            CUdeviceptr partAcc = ws.get("attention-part-acc", 4L * parts * a.rows * a.heads * a.headDim);
            CUdeviceptr partStats = ws.get("attention-part-stats", 8L * parts * a.rows * a.heads);
            launchGrid("attention_parts", a.tileCount, a.kvHeads, parts, 32 * warps, shared, a.q, a.views, a.rowStep, a.tiles,
                    a.rowPos, a.qRopes, layer, a.heads, a.kvHeads, a.headDim, a.window, a.scale, a.cos, a.sin, a.rows, partAcc,
                    partStats);
            launch("attention_fold", a.rows, a.heads, 32, 0, partAcc, partStats, parts, a.rows, a.heads, a.headDim, out, stats);
        } else {
            launch("attention", a.tileCount, a.kvHeads, 32 * warps, shared, a.q, a.views, a.rowStep, a.tiles, a.rowPos,
                    a.qRopes, layer, a.heads, a.kvHeads, a.headDim, a.window, a.scale, a.cos, a.sin, out, stats);
        }
    }

    void attentionProbs(Attention a, int layer, int first, int rows, CUdeviceptr stats, int width, CUdeviceptr probs) {
        launch("attention_probs", rows, a.heads, 32, 4 * a.headDim, a.q, a.views, a.rowStep, a.rowPos, a.qRopes, layer,
                a.heads, a.kvHeads, a.headDim, a.window, a.scale, a.cos, a.sin, stats, first, width, probs);
    }

    /** The arguments attention and its probabilities share for one pass. */
    static final class Attention {
        /** At most this many warps to a block of attention, unless one KV head's query group needs more. */
        static final int BLOCK_WARPS = 16;
        CUdeviceptr q, views, rowStep, rowPos, qRopes, cos, sin;
        int heads, kvHeads, headDim, window;
        float scale;
        /** [tileCount][2]: each tile's first row and row count, at most rowTile consecutive rows of one step. */
        CUdeviceptr tiles;
        int tileCount, rowTile;
        /** The pass's rows, and at least the most slots any head of any of its caches spans once they are appended. */
        int rows, maxSpan;

        /**
         * Cuts every step's rows (step s: rows start[s] to start[s + 1]) into tiles of {@code rowTile} rows, a block's
         * warps being rowTile times the query heads of a KV head: so a block's rows share one cache.
         */
        static int[] tiles(int[] start, int rowTile) {
            int steps = start.length - 1;
            int count = 0;
            for (int s = 0; s < steps; s++) {
                count += (start[s + 1] - start[s] + rowTile - 1) / rowTile;
            }
            int[] tiles = new int[2 * count];
            int t = 0;
            for (int s = 0; s < steps; s++) {
                for (int r = start[s]; r < start[s + 1]; r += rowTile, t++) {
                    tiles[2 * t] = r;
                    tiles[2 * t + 1] = Math.min(rowTile, start[s + 1] - r);
                }
            }
            return tiles;
        }

        /** Rows to a tile: as many as fill BLOCK_WARPS warps with whole query groups, but no more than a step has. */
        static int rowTile(int[] start, int group) {
            int most = 1;
            for (int s = 0; s + 1 < start.length; s++) {
                most = Math.max(most, start[s + 1] - start[s]);
            }
            return Math.max(1, Math.min(most, BLOCK_WARPS / group));
        }
    }

    private void launch(String kernel, int gridX, int gridY, int block, int shared, Object... args) {
        launchGrid(kernel, gridX, gridY, 1, block, shared, args);
    }

    private void launchGrid(String kernel, int gridX, int gridY, int gridZ, int block, int shared, Object... args) {
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof CUdeviceptr) {
                params[i] = Pointer.to((CUdeviceptr) a);
            } else if (a instanceof Integer) {
                params[i] = Pointer.to(new int[] {(Integer) a});
            } else if (a instanceof Long) {
                params[i] = Pointer.to(new long[] {(Long) a});
            } else if (a instanceof Float) {
                params[i] = Pointer.to(new float[] {(Float) a});
            } else {
                throw new IllegalArgumentException("kernel argument of type " + a.getClass());
            }
        }
        if (shared > DEFAULT_SHARED) {
            cuFuncSetAttribute(engine.function(kernel), CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, shared);
        }
        cuLaunchKernel(engine.function(kernel), gridX, gridY, gridZ, block, 1, 1, shared, null, Pointer.to(params), null);
    }

    private static int ceil(long a, int b) {
        return Math.toIntExact((a + b - 1) / b);
    }

    private static int blocks(long len) {
        return ceil(len, THREADS);
    }
}
