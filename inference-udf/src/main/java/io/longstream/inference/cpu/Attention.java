package io.longstream.inference.cpu;

import static io.longstream.inference.cpu.Lanes.F;
import static io.longstream.inference.cpu.Lanes.L;

import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Causal grouped-query attention of a chunk's queries over one layer of the cache (which already
 * holds the chunk's own keys). Query head h reads KV head {@code h / (heads / kvHeads)}, as in HF.
 *
 * <p>Token t at position p sees the entries with position in (p − window, p] (window 0: all ≤ p).
 * Every score, the softmax denominator and every output element are fixed-order chains over the
 * cache slots, so a token's result is the same whatever chunk it arrived in.
 */
final class Attention {
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int window;
    private final float scale;
    private final RopeTable rope;
    private final ThreadLocal<Scratch> scratch;

    private static final class Scratch {
        float[] values = new float[0];
        float[] scores = new float[0];
        int[] positions = new int[0];
        final float[] query;

        Scratch(int headDim) {
            query = new float[headDim];
        }

        void ensure(int slots, int capacity, int headDim) {
            if (values.length < slots * headDim) {
                values = new float[Math.max(slots * headDim, values.length * 2)];
                positions = new int[Math.max(slots, positions.length * 2)];
            }
            if (scores.length < capacity) {
                scores = new float[Math.max(capacity, scores.length * 2)];
            }
        }
    }

    Attention(int heads, int kvHeads, int headDim, int window, RopeTable rope) {
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.window = window;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        this.rope = rope;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(headDim));
    }

    /**
     * q: [n][heads·headDim] before RoPE; positions: [n]; out: [n][heads·headDim].
     * keys: the rotated-key views of this layer's KV heads.
     */
    void run(KvCache cache, int layer, RotatedKeys[] keys, float[] q, int[] positions, int n, float[] out, WorkerPool pool) {
        pool.forRange(kvHeads, (h0, h1) -> {
            Scratch s = scratch.get();
            for (int kvh = h0; kvh < h1; kvh++) {
                HeadCache head = cache.head(layer, kvh);
                RotatedKeys k = keys[kvh];
                k.sync(head, rope);
                int size = head.size();
                s.ensure(size, k.capacity(), headDim);
                head.readValues(0, size, s.values, 0);
                for (int j = 0; j < size; j++) {
                    s.positions[j] = head.position(j);
                }
                int group = heads / kvHeads;
                for (int t = 0; t < n; t++) {
                    RopeTable.Rotation rot = rope.at(positions[t]);
                    for (int g = 0; g < group; g++) {
                        int h = kvh * group + g;
                        int qOff = (t * heads + h) * headDim;
                        rope.rotate(q, qOff, rot, scale, s.query, 0);
                        attendOne(s, k, size, positions[t], out, qOff);
                    }
                }
            }
        });
    }

    private void attendOne(Scratch s, RotatedKeys keys, int size, int position, float[] out, int outOff) {
        float[] kT = keys.transposed();
        int cap = keys.capacity();
        float[] scores = s.scores;
        // scores[j] = Σ_d q[d]·k_j[d], vectorised over slots j
        for (int j = 0; j < size; j += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int d = 0; d < headDim; d++) {
                acc = FloatVector.fromArray(F, kT, d * cap + j).fma(FloatVector.broadcast(F, s.query[d]), acc);
            }
            acc.intoArray(scores, j);
        }
        int lowest = window > 0 ? position - window + 1 : Integer.MIN_VALUE;
        int[] pos = s.positions;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < size; j++) {
            if (pos[j] <= position && pos[j] >= lowest) {
                max = Math.max(max, scores[j]);
            }
        }
        for (int j = 0; j < size; j += L) {
            VectorExp.exp(FloatVector.fromArray(F, scores, j).sub(max)).intoArray(scores, j);
        }
        float sum = 0f;
        for (int j = 0; j < size; j++) {
            if (pos[j] <= position && pos[j] >= lowest) {
                sum += scores[j];
            }
        }
        float[] v = s.values;
        for (int d = 0; d < headDim; d += L) {
            VectorMask<Float> m = F.indexInRange(d, headDim);
            FloatVector acc = FloatVector.zero(F);
            for (int j = 0; j < size; j++) {
                if (pos[j] <= position && pos[j] >= lowest) {
                    acc = FloatVector.fromArray(F, v, j * headDim + d, m).fma(FloatVector.broadcast(F, scores[j]), acc);
                }
            }
            acc.div(sum).intoArray(out, outOff + d, m);
        }
    }
}
