package io.longstream.inference.cpu;

import static io.longstream.inference.cpu.Lanes.F;
import static io.longstream.inference.cpu.Lanes.I;
import static io.longstream.inference.cpu.Lanes.L;

import io.longstream.inference.AttentionObserver;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Causal grouped-query attention of a chunk's queries over one layer of the cache (which already
 * holds the chunk's own keys). Query head h reads KV head {@code h / (heads / kvHeads)}, as in HF.
 *
 * <p>Token t at position p sees the entries with position in (p − window, p] (window 0: all ≤ p).
 * Only slots from the first to the last visible one are read. Every score is a chain over d, the
 * softmax denominator {@link #CHAINS} chains over slots added in a fixed tree, and every output element
 * one chain over slots in order; so a token's result is the same whatever chunk it arrived in and
 * whatever the vector width.
 */
final class Attention {
    /** Chains of the softmax denominator: 16 (whole vectors of 4, 8 and 16 floats), or one vector where wider. */
    private static final int CHAINS = Math.max(16, L);
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int window;
    private final float scale;
    private final RopeTable rope;
    private final ThreadLocal<Scratch> scratch;

    private static final class Scratch {
        float[] scores = new float[0];      // [group][capacity]
        int capacity;
        final float[] queries;              // [group][headDim], rotated and scaled
        final float[] sums;                 // [group]
        final float[] chains = new float[CHAINS];
        final float[] acc;                  // [group][valueStride]

        Scratch(int group, int headDim, int valueStride) {
            queries = new float[group * headDim];
            sums = new float[group];
            acc = new float[(group + 3) * valueStride];
        }

        void ensure(int group, int capacity) {
            if (this.capacity < capacity) {
                this.capacity = Math.max(capacity, this.capacity * 2);
                scores = new float[(group + 3) * this.capacity];
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
        int valueStride = (headDim + L - 1) / L * L;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(heads / kvHeads, headDim, valueStride));
    }

    /**
     * q: [n][heads·headDim] before RoPE; positions: [n]; out: [n][heads·headDim].
     * views: the attention views of this layer's KV heads.
     */
    void run(KvCache cache, int layer, HeadView[] views, float[] q, int[] positions, int n, float[] out, WorkerPool pool,
             AttentionObserver observer) {
        run(new KvCache[] {cache}, layer, new HeadView[][] {views}, q, positions, new int[] {0, n}, out, pool,
                new AttentionObserver[] {observer});
    }

    /**
     * The attention of a batch's steps, step s's rows [rowStart[s], rowStart[s + 1]) of q, positions and out over its
     * own cache {@code caches[s]} (views[s]: its views of this layer), shown to {@code observers[s]} (null: none) with
     * token indices counted within the step. One parallel loop over every (step, KV head): each is computed whole by
     * one thread, exactly as alone.
     */
    void run(KvCache[] caches, int layer, HeadView[][] views, float[] q, int[] positions, int[] rowStart, float[] out,
             WorkerPool pool, AttentionObserver[] observers) {
        int group = heads / kvHeads;
        int units = caches.length * kvHeads;
        pool.forPieces(units, units, (u0, u1) -> {
            Scratch s = scratch.get();
            for (int u = u0; u < u1; u++) {
                int step = u / kvHeads;
                int kvh = u % kvHeads;
                AttentionObserver observer = observers[step];
                HeadCache head = caches[step].head(layer, kvh);
                HeadView view = views[step][kvh];
                view.sync(head, rope, caches[step].ropeMode());
                int size = head.slots();
                s.ensure(group, view.capacity());
                int[] slotPositions = view.positions();
                for (int r = rowStart[step]; r < rowStart[step + 1]; r++) {
                    int p = positions[r];
                    int lowest = window > 0 ? p - window + 1 : Integer.MIN_VALUE;
                    int lo = 0;
                    while (lo < size && !visible(slotPositions[lo], p, lowest)) {
                        lo++;
                    }
                    int hi = size - 1;
                    while (hi >= lo && !visible(slotPositions[hi], p, lowest)) {
                        hi--;
                    }
                    boolean gaps = false;
                    for (int j = lo + 1; j < hi && !gaps; j++) {
                        gaps = !visible(slotPositions[j], p, lowest);
                    }
                    RopeTable.Rotation rot = rope.at(view.ropeIndex(p));
                    int qOff = (r * heads + kvh * group) * headDim;
                    for (int g = 0; g < group; g++) {
                        rope.rotate(q, qOff + g * headDim, rot, scale, s.queries, g * headDim);
                    }
                    for (int g = 0; g < group; g += 4) {
                        scores(s, g, group, view, lo, hi);
                    }
                    for (int g = 0; g < group; g++) {
                        softmax(s, slotPositions, g, view.capacity(), lo, hi, gaps ? p : Integer.MAX_VALUE, lowest);
                        if (observer != null) {
                            observer.weights(layer, kvh, r - rowStart[step], g, s.scores, g * view.capacity(), lo, hi, s.sums[g]);
                        }
                    }
                    weightedValues(s, group, view, lo, hi, out, qOff);
                }
            }
        });
    }

    private static boolean visible(int keyPosition, int position, int lowest) {
        return keyPosition <= position && keyPosition >= lowest;
    }

    /**
     * scores[g][j] = Σ_d q_g[d]·k_j[d] for the up-to-four heads g0.. of the group over slots [lo, hi]
     * (hi >= lo: a token always sees itself), vectorised over slots; each key vector is loaded once for
     * the four heads. A head past the group repeats the last one and is not stored. Keys come from floats
     * or from bf16 pairs (see {@link HeadView#packedKeys}); either way each score is one chain over d in order.
     */
    private void scores(Scratch s, int g0, int group, HeadView view, int lo, int hi) {
        int cap = view.capacity();
        float[] query = s.queries;
        float[] scores = s.scores;
        int q0 = g0 * headDim;
        int q1 = Math.min(g0 + 1, group - 1) * headDim;
        int q2 = Math.min(g0 + 2, group - 1) * headDim;
        int q3 = Math.min(g0 + 3, group - 1) * headDim;
        int[] packed = view.packedKeys();
        if (packed != null) {
            // a pair of blocks is one contiguous run of packed keys: take pairs whole, a lone block at either end
            int j = lo / L * L;
            if (j % (2 * L) != 0) {
                packedScores1(view, packed, j, query, q0, q1, q2, q3, scores, g0 * cap + j, cap);
                j += L;
            }
            for (; j + L <= hi; j += 2 * L) {
                packedScores2(view, packed, j, query, q0, q1, q2, q3, scores, g0 * cap + j, cap);
            }
            if (j <= hi) {
                packedScores1(view, packed, j, query, q0, q1, q2, q3, scores, g0 * cap + j, cap);
            }
            return;
        }
        float[] kT = view.keys();
        for (int j = lo / L * L; j <= hi; j += L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int base = j / L * headDim * L;
            for (int d = 0; d < headDim; d++) {
                FloatVector k = FloatVector.fromArray(F, kT, base + d * L);
                a0 = k.fma(FloatVector.broadcast(F, query[q0 + d]), a0);
                a1 = k.fma(FloatVector.broadcast(F, query[q1 + d]), a1);
                a2 = k.fma(FloatVector.broadcast(F, query[q2 + d]), a2);
                a3 = k.fma(FloatVector.broadcast(F, query[q3 + d]), a3);
            }
            // rows past the group land in the scratch's spare rows
            a0.intoArray(scores, g0 * cap + j);
            a1.intoArray(scores, (g0 + 1) * cap + j);
            a2.intoArray(scores, (g0 + 2) * cap + j);
            a3.intoArray(scores, (g0 + 3) * cap + j);
        }
    }

    // scores[g0 + i][j ..] for one block of L slots from packed keys: the chains of the float path, over bf16 keys
    private void packedScores1(HeadView view, int[] packed, int j, float[] query, int q0, int q1, int q2, int q3, float[] scores, int s0,
                               int cap) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int base = view.packedKeyIndex(j, 0);
        for (int d = 0; d < headDim; d += 2) {
            IntVector pair = IntVector.fromArray(I, packed, base + d * L);
            FloatVector k = pair.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a0 = k.fma(FloatVector.broadcast(F, query[q0 + d]), a0);
            a1 = k.fma(FloatVector.broadcast(F, query[q1 + d]), a1);
            a2 = k.fma(FloatVector.broadcast(F, query[q2 + d]), a2);
            a3 = k.fma(FloatVector.broadcast(F, query[q3 + d]), a3);
            k = pair.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            a0 = k.fma(FloatVector.broadcast(F, query[q0 + d + 1]), a0);
            a1 = k.fma(FloatVector.broadcast(F, query[q1 + d + 1]), a1);
            a2 = k.fma(FloatVector.broadcast(F, query[q2 + d + 1]), a2);
            a3 = k.fma(FloatVector.broadcast(F, query[q3 + d + 1]), a3);
        }
        a0.intoArray(scores, s0);
        a1.intoArray(scores, s0 + cap);
        a2.intoArray(scores, s0 + 2 * cap);
        a3.intoArray(scores, s0 + 3 * cap);
    }

    // the same for blocks j and j + L (one pair), so each query broadcast serves eight fmas
    private void packedScores2(HeadView view, int[] packed, int j, float[] query, int q0, int q1, int q2, int q3, float[] scores, int s0,
                               int cap) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int base = view.packedKeyIndex(j, 0);
        for (int d = 0; d < headDim; d += 2) {
            IntVector pa = IntVector.fromArray(I, packed, base + d * L);
            IntVector pb = IntVector.fromArray(I, packed, base + d * L + L);
            FloatVector ka = pa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector kb = pb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector w = FloatVector.broadcast(F, query[q0 + d]);
            a0 = ka.fma(w, a0); b0 = kb.fma(w, b0);
            w = FloatVector.broadcast(F, query[q1 + d]);
            a1 = ka.fma(w, a1); b1 = kb.fma(w, b1);
            w = FloatVector.broadcast(F, query[q2 + d]);
            a2 = ka.fma(w, a2); b2 = kb.fma(w, b2);
            w = FloatVector.broadcast(F, query[q3 + d]);
            a3 = ka.fma(w, a3); b3 = kb.fma(w, b3);
            ka = pa.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            kb = pb.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            w = FloatVector.broadcast(F, query[q0 + d + 1]);
            a0 = ka.fma(w, a0); b0 = kb.fma(w, b0);
            w = FloatVector.broadcast(F, query[q1 + d + 1]);
            a1 = ka.fma(w, a1); b1 = kb.fma(w, b1);
            w = FloatVector.broadcast(F, query[q2 + d + 1]);
            a2 = ka.fma(w, a2); b2 = kb.fma(w, b2);
            w = FloatVector.broadcast(F, query[q3 + d + 1]);
            a3 = ka.fma(w, a3); b3 = kb.fma(w, b3);
        }
        a0.intoArray(scores, s0); b0.intoArray(scores, s0 + L);
        a1.intoArray(scores, s0 + cap); b1.intoArray(scores, s0 + cap + L);
        a2.intoArray(scores, s0 + 2 * cap); b2.intoArray(scores, s0 + 2 * cap + L);
        a3.intoArray(scores, s0 + 3 * cap); b3.intoArray(scores, s0 + 3 * cap + L);
    }

    /**
     * Turns head g's scores over [lo, hi] into e^(score − max), 0 where not visible, and their sum
     * into sums[g] (by {@link #chainSum}). {@code position} is MAX_VALUE when every slot in the range is visible.
     */
    private static void softmax(Scratch s, int[] pos, int g, int cap, int lo, int hi, int position, int lowest) {
        float[] scores = s.scores;
        int base = g * cap;
        boolean gaps = position != Integer.MAX_VALUE;
        float max = Float.NEGATIVE_INFINITY;
        if (gaps) {
            for (int j = lo; j <= hi; j++) {
                if (visible(pos[j], position, lowest)) {
                    max = Math.max(max, scores[base + j]);
                }
            }
        } else {
            // a maximum is exact in any order, so whole vectors of the range are taken at once
            int first = Math.min(hi + 1, (lo + L - 1) / L * L);
            int end = Math.max(first, (hi + 1) / L * L);
            FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int j = first; j < end; j += L) {
                m = m.max(FloatVector.fromArray(F, scores, base + j));
            }
            max = m.reduceLanes(VectorOperators.MAX);
            for (int j = lo; j < first; j++) {
                max = Math.max(max, scores[base + j]);
            }
            for (int j = end; j <= hi; j++) {
                max = Math.max(max, scores[base + j]);
            }
        }
        for (int j = lo / L * L; j <= hi; j += L) {
            VectorExp.exp(FloatVector.fromArray(F, scores, base + j).sub(max)).intoArray(scores, base + j);
        }
        if (gaps) {
            for (int j = lo; j <= hi; j++) {
                if (!visible(pos[j], position, lowest)) {
                    scores[base + j] = 0f;
                }
            }
        }
        s.sums[g] = chainSum(scores, base, lo, hi, s.chains);
    }

    /**
     * Σ a[base + j] over j in [lo, hi] as {@link #CHAINS} chains by j mod CHAINS, each in increasing j, added in a
     * fixed tree: the same bits at any vector width (a vector of L ≤ CHAINS lanes holds whole chains), and cheap.
     */
    private static float chainSum(float[] a, int base, int lo, int hi, float[] chains) {
        java.util.Arrays.fill(chains, 0f);
        int first = Math.min(hi + 1, (lo + CHAINS - 1) / CHAINS * CHAINS);
        int end = Math.max(first, (hi + 1) / CHAINS * CHAINS);
        for (int j = lo; j < first; j++) {
            chains[j % CHAINS] += a[base + j];
        }
        // chains c·L .. c·L + L - 1 in vector c (L is a constant, so the unused ones fold away)
        FloatVector c0 = FloatVector.fromArray(F, chains, 0);
        FloatVector c1 = L < CHAINS ? FloatVector.fromArray(F, chains, L) : c0;
        FloatVector c2 = L < CHAINS / 2 ? FloatVector.fromArray(F, chains, 2 * L) : c0;
        FloatVector c3 = L < CHAINS / 2 ? FloatVector.fromArray(F, chains, 3 * L) : c0;
        for (int j = first; j < end; j += CHAINS) {
            c0 = c0.add(FloatVector.fromArray(F, a, base + j));
            if (L < CHAINS) {
                c1 = c1.add(FloatVector.fromArray(F, a, base + j + L));
            }
            if (L < CHAINS / 2) {
                c2 = c2.add(FloatVector.fromArray(F, a, base + j + 2 * L));
                c3 = c3.add(FloatVector.fromArray(F, a, base + j + 3 * L));
            }
        }
        c0.intoArray(chains, 0);
        if (L < CHAINS) {
            c1.intoArray(chains, L);
        }
        if (L < CHAINS / 2) {
            c2.intoArray(chains, 2 * L);
            c3.intoArray(chains, 3 * L);
        }
        for (int j = end; j <= hi; j++) {
            chains[j % CHAINS] += a[base + j];
        }
        for (int width = CHAINS / 2; width > 0; width /= 2) {
            for (int i = 0; i < width; i++) {
                chains[i] += chains[i + width];
            }
        }
        return chains[0];
    }

    /**
     * out[g][d] = Σ_j p_g,j·v_j[d] / Σ_j p_g,j for the whole group: one fma chain over slots, in
     * order, per output element. Four heads by four vectors of d are kept in registers where the head
     * is that wide, so each value row is read once per four heads.
     */
    private void weightedValues(Scratch s, int group, HeadView view, int lo, int hi, float[] out, int outOff) {
        float[] v = view.values();
        int[] packed = view.packedValues();
        int stride = view.valueStride();
        int cap = view.capacity();
        float[] acc = s.acc;
        for (int g = 0; g < group; g += 4) {
            int d = 0;
            for (; d + 4 * L <= stride; d += 4 * L) {
                values4x4(v, packed, headDim / 2, stride, d, lo, hi, s.scores, cap, g, acc);
            }
            for (; d < stride; d += L) {
                for (int h = g; h < g + 4; h++) {
                    valuesColumn(v, stride, d, lo, hi, s.scores, h * cap, acc, h * stride + d);
                }
            }
        }
        for (int g = 0; g < group; g++) {
            float inv = s.sums[g];
            for (int d = 0; d < stride; d += L) {
                FloatVector.fromArray(F, acc, g * stride + d).div(inv).intoArray(acc, g * stride + d);
            }
            System.arraycopy(acc, g * stride, out, outOff + g * headDim, headDim);
        }
    }

    // acc[g0 + i][d0 + b·L ..] = Σ_j p[g0 + i][j]·v_j[d0 + b·L ..] for i, b < 4: 16 chains in registers. Values come
    // from floats, or from a bf16 cache's pairs (packed, rows of rowInts; the same bits at half the bytes); the
    // branch is loop-invariant, so the JIT hoists it
    private static void values4x4(float[] v, int[] packed, int rowInts, int stride, int d0, int lo, int hi, float[] p, int cap,
                                  int g0, float[] acc) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int p0 = g0 * cap, p1 = p0 + cap, p2 = p1 + cap, p3 = p2 + cap;
        for (int j = lo; j <= hi; j++) {
            FloatVector v0, v1, v2, v3;
            if (packed != null) {
                int row = j * rowInts + d0 / 2;
                IntVector pa = IntVector.fromArray(I, packed, row);
                IntVector pb = IntVector.fromArray(I, packed, row + L);
                v0 = pa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                v1 = pa.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
                v2 = pb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                v3 = pb.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
            } else {
                int row = j * stride + d0;
                v0 = FloatVector.fromArray(F, v, row);
                v1 = FloatVector.fromArray(F, v, row + L);
                v2 = FloatVector.fromArray(F, v, row + 2 * L);
                v3 = FloatVector.fromArray(F, v, row + 3 * L);
            }
            FloatVector w = FloatVector.broadcast(F, p[p0 + j]);
            a00 = v0.fma(w, a00); a01 = v1.fma(w, a01); a02 = v2.fma(w, a02); a03 = v3.fma(w, a03);
            w = FloatVector.broadcast(F, p[p1 + j]);
            a10 = v0.fma(w, a10); a11 = v1.fma(w, a11); a12 = v2.fma(w, a12); a13 = v3.fma(w, a13);
            w = FloatVector.broadcast(F, p[p2 + j]);
            a20 = v0.fma(w, a20); a21 = v1.fma(w, a21); a22 = v2.fma(w, a22); a23 = v3.fma(w, a23);
            w = FloatVector.broadcast(F, p[p3 + j]);
            a30 = v0.fma(w, a30); a31 = v1.fma(w, a31); a32 = v2.fma(w, a32); a33 = v3.fma(w, a33);
        }
        int o0 = g0 * stride + d0, o1 = o0 + stride, o2 = o1 + stride, o3 = o2 + stride;
        a00.intoArray(acc, o0); a01.intoArray(acc, o0 + L); a02.intoArray(acc, o0 + 2 * L); a03.intoArray(acc, o0 + 3 * L);
        a10.intoArray(acc, o1); a11.intoArray(acc, o1 + L); a12.intoArray(acc, o1 + 2 * L); a13.intoArray(acc, o1 + 3 * L);
        a20.intoArray(acc, o2); a21.intoArray(acc, o2 + L); a22.intoArray(acc, o2 + 2 * L); a23.intoArray(acc, o2 + 3 * L);
        a30.intoArray(acc, o3); a31.intoArray(acc, o3 + L); a32.intoArray(acc, o3 + 2 * L); a33.intoArray(acc, o3 + 3 * L);
    }

    // acc[o ..] = Σ_j p[pBase + j]·v_j[d ..]: the same chain, one vector of one head
    private static void valuesColumn(float[] v, int stride, int d, int lo, int hi, float[] p, int pBase, float[] acc, int o) {
        FloatVector a = FloatVector.zero(F);
        for (int j = lo; j <= hi; j++) {
            a = FloatVector.fromArray(F, v, j * stride + d).fma(FloatVector.broadcast(F, p[pBase + j]), a);
        }
        a.intoArray(acc, o);
    }
}
