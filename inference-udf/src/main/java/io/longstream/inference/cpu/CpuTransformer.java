package io.longstream.inference.cpu;

import io.longstream.inference.AttentionObserver;
import io.longstream.inference.Transformer;
import io.longstream.inference.model.ModelConfig;
import io.longstream.inference.model.Safetensors;
import io.longstream.state.cache.KvCache;
import java.util.Collections;
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

    @Override
    public float[] forward(int[] tokens, KvCache cache, boolean allLogits, AttentionObserver observer) {
        int n = tokens.length;
        if (n == 0) {
            throw new IllegalArgumentException("forward needs at least one token");
        }
        checkCache(cache);
        int qDim = c.heads * c.headDim;
        int kvDim = c.kvHeads * c.headDim;
        int first = cache.claimPositions(n);
        int[] positions = new int[n];
        for (int t = 0; t < n; t++) {
            positions[t] = first + t;
            if (tokens[t] < 0 || tokens[t] >= c.vocab) {
                throw new IllegalArgumentException("token id " + tokens[t] + " outside the vocabulary [0, " + c.vocab + ")");
            }
        }
        // activations, row-major per token
        float[] x = new float[n * c.hidden];        // [n][hidden] residual stream
        float[] xn = new float[n * c.hidden];       // [n][hidden] normalised
        float[] q = new float[n * qDim];            // [n][heads·headDim]
        float[] k = new float[n * kvDim];           // [n][kvHeads·headDim]
        float[] v = new float[n * kvDim];
        float[] att = new float[n * qDim];
        float[] proj = new float[n * c.hidden];
        float[] gate = new float[n * c.intermediate];
        float[] up = new float[n * c.intermediate];
        for (int t = 0; t < n; t++) {
            w.embed.row(tokens[t], x, t * c.hidden);
        }
        HeadView[][] views = viewsOf(cache);
        for (int layer = 0; layer < c.layers; layer++) {
            CpuWeights.Layer l = w.layers[layer];
            Elementwise.rmsNorm(x, l.attnNorm, c.rmsEps, n, c.hidden, xn);
            PackedMatrix.multiplyAll(new PackedMatrix[] {l.q, l.k, l.v}, xn, n, new float[][] {q, k, v}, pool);
            if (l.qBias != null) {
                Elementwise.addBias(q, l.qBias, n, qDim);
                Elementwise.addBias(k, l.kBias, n, kvDim);
                Elementwise.addBias(v, l.vBias, n, kvDim);
            }
            for (int h = 0; h < c.kvHeads; h++) {
                for (int t = 0; t < n; t++) {
                    int off = t * kvDim + h * c.headDim;
                    cache.head(layer, h).append(positions[t], k, off, v, off);
                }
            }
            attention.run(cache, layer, views[layer], q, positions, n, att, pool, observer);
            l.o.multiply(att, n, proj, pool);
            Elementwise.addInPlace(x, proj, n * c.hidden);
            Elementwise.rmsNorm(x, l.mlpNorm, c.rmsEps, n, c.hidden, xn);
            PackedMatrix.multiplyAll(new PackedMatrix[] {l.gate, l.up}, xn, n, new float[][] {gate, up}, pool);
            Elementwise.swiGlu(gate, up, n * c.intermediate);
            l.down.multiply(gate, n, proj, pool);
            Elementwise.addInPlace(x, proj, n * c.hidden);
        }
        int rows = allLogits ? n : 1;
        float[] last = new float[rows * c.hidden];
        System.arraycopy(x, (n - rows) * c.hidden, last, 0, rows * c.hidden);
        float[] normed = new float[rows * c.hidden];
        Elementwise.rmsNorm(last, w.finalNorm, c.rmsEps, rows, c.hidden, normed);
        float[] logits = new float[rows * c.vocab];
        w.lmHead.multiply(normed, rows, logits, pool);
        return logits;
    }

    private void checkCache(KvCache cache) {
        if (cache.layers() != c.layers || cache.kvHeads() != c.kvHeads || cache.headDim() != c.headDim) {
            throw new IllegalArgumentException("cache shape " + cache.layers() + "x" + cache.kvHeads() + "x" + cache.headDim()
                    + " does not fit the model's " + c.layers + "x" + c.kvHeads + "x" + c.headDim);
        }
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
