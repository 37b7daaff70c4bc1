package io.longstream.inference.cpu;

import io.longstream.inference.AttentionObserver;
import io.longstream.inference.BatchRows;
import io.longstream.inference.ForwardStep;
import io.longstream.inference.Transformer;
import io.longstream.inference.model.ModelConfig;
import io.longstream.inference.model.Safetensors;
import io.longstream.state.cache.KvCache;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/** The Java backend: Vector API kernels on all configured cores, weights in their file dtype. */
public final class CpuTransformer implements Transformer {
    private final ModelConfig c;
    private final CpuWeights w;
    private final WorkerPool pool;
    private final Attention attention;
    private final RopeTable rope;
    /** Float views (rotated keys, decoded values) per cache, [layer][kvHead]; dropped with the cache. */
    private final Map<KvCache, HeadView[][]> headViews = Collections.synchronizedMap(new WeakHashMap<>());

    public CpuTransformer(ModelConfig config, Safetensors tensors, int threads) {
        this.c = config;
        this.w = new CpuWeights(config, tensors);
        this.pool = new WorkerPool(threads);
        this.rope = new RopeTable(config.ropeScaling.inverseFrequencies(config.ropeTheta, config.headDim));
        this.attention = new Attention(config.heads, config.kvHeads, config.headDim, config.slidingWindow, rope);
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public long weightBytes() {
        return w.bytes();
    }

    public int threads() {
        return pool.threads();
    }

    /**
     * Every matrix product runs once over the rows of all steps (a decode batch reads each weight once, not once per
     * session); norms, biases and the residual stream are row by row, and each step's appends and attention go to its
     * own cache. Every output is a reduction within its row in a fixed order, so a step's bits do not depend on the batch.
     */
    @Override
    public List<float[]> forward(List<ForwardStep> batch) {
        BatchRows rows = BatchRows.of(batch, c);
        int steps = rows.steps();
        int n = rows.rows();
        int[] rowStart = rows.starts();
        int qDim = c.heads * c.headDim;
        int kvDim = c.kvHeads * c.headDim;
        int[] positions = rows.claimPositions(batch);
        KvCache[] stepCaches = new KvCache[steps];
        HeadView[][][] views = new HeadView[steps][][];
        AttentionObserver[] observers = new AttentionObserver[steps];
        for (int s = 0; s < steps; s++) {
            ForwardStep step = batch.get(s);
            stepCaches[s] = step.cache();
            views[s] = viewsOf(step.cache());
            observers[s] = step.observer();
        }
        // activations, row-major per token, the steps' rows one after the other
        float[] x = new float[n * c.hidden];        // [n][hidden] residual stream
        float[] xn = new float[n * c.hidden];       // [n][hidden] normalised
        float[] q = new float[n * qDim];            // [n][heads·headDim]
        float[] k = new float[n * kvDim];           // [n][kvHeads·headDim]
        float[] v = new float[n * kvDim];
        float[] att = new float[n * qDim];
        float[] proj = new float[n * c.hidden];
        float[] gate = new float[n * c.intermediate];
        float[] up = new float[n * c.intermediate];
        for (int s = 0; s < steps; s++) {
            int[] tokens = batch.get(s).tokens();
            for (int t = 0; t < tokens.length; t++) {
                w.embed.row(tokens[t], x, (rowStart[s] + t) * c.hidden);
            }
        }
        HeadView[][] layerViews = new HeadView[steps][];
        for (int layer = 0; layer < c.layers; layer++) {
            CpuWeights.Layer l = w.layers[layer];
            Elementwise.rmsNorm(x, l.attnNorm, c.rmsEps, n, c.hidden, xn);
            PackedMatrix.multiplyAll(new PackedMatrix[] {l.q, l.k, l.v}, xn, n, new float[][] {q, k, v}, pool);
            if (l.qBias != null) {
                Elementwise.addBias(q, l.qBias, n, qDim);
                Elementwise.addBias(k, l.kBias, n, kvDim);
                Elementwise.addBias(v, l.vBias, n, kvDim);
            }
            for (int s = 0; s < steps; s++) {
                for (int h = 0; h < c.kvHeads; h++) {
                    for (int r = rowStart[s]; r < rowStart[s + 1]; r++) {
                        int off = r * kvDim + h * c.headDim;
                        stepCaches[s].head(layer, h).append(positions[r], k, off, v, off);
                    }
                }
                layerViews[s] = views[s][layer];
            }
            attention.run(stepCaches, layer, layerViews, q, positions, rowStart, att, pool, observers);
            l.o.multiply(att, n, proj, pool);
            Elementwise.addInPlace(x, proj, n * c.hidden);
            Elementwise.rmsNorm(x, l.mlpNorm, c.rmsEps, n, c.hidden, xn);
            PackedMatrix.multiplyAll(new PackedMatrix[] {l.gate, l.up}, xn, n, new float[][] {gate, up}, pool);
            Elementwise.swiGlu(gate, up, n * c.intermediate);
            l.down.multiply(gate, n, proj, pool);
            Elementwise.addInPlace(x, proj, n * c.hidden);
        }
        // the rows that give logits: all of a step's, or its last
        int[] outStart = rows.logitRowStart(batch);
        int logitRows = outStart[steps];
        float[] last = new float[logitRows * c.hidden];
        for (int s = 0; s < steps; s++) {
            int count = outStart[s + 1] - outStart[s];
            System.arraycopy(x, (rowStart[s + 1] - count) * c.hidden, last, outStart[s] * c.hidden, count * c.hidden);
        }
        float[] normed = new float[logitRows * c.hidden];
        Elementwise.rmsNorm(last, w.finalNorm, c.rmsEps, logitRows, c.hidden, normed);
        float[] logits = new float[logitRows * c.vocab];
        w.lmHead.multiply(normed, logitRows, logits, pool);
        return BatchRows.perStep(logits, outStart, c.vocab);
    }

    private HeadView[][] viewsOf(KvCache cache) {
        return headViews.computeIfAbsent(cache, kv -> {
            HeadView[][] views = new HeadView[c.layers][c.kvHeads];
            for (HeadView[] layer : views) {
                for (int h = 0; h < layer.length; h++) {
                    layer[h] = new HeadView(c.headDim);
                }
            }
            return views;
        });
    }

    @Override
    public void close() {
        pool.close();
    }
}
