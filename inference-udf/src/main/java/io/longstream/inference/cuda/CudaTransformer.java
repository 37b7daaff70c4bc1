package io.longstream.inference.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import io.longstream.inference.AttentionObserver;
import io.longstream.inference.BatchRows;
import io.longstream.inference.ForwardStep;
import io.longstream.inference.Transformer;
import io.longstream.inference.model.ModelConfig;
import io.longstream.inference.model.Safetensors;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import java.util.Arrays;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * The CUDA backend: our kernels (kernels.cu) on one GPU through JCuda's driver API, weights in their file dtype on
 * the device, and each session's KV cache mirrored on the device slot for slot ({@link DeviceCache}), within a bound
 * of device memory. A pass runs the rows of all its steps through every matrix product at once; each step's rows
 * append to and attend to their own cache only, and every kernel reduces in an order fixed by one row's own shapes,
 * so a step's logits are bit-identical whatever the batch. The new entries are written on the device and copied
 * back into the host cache, which the pages persist.
 */
public final class CudaTransformer implements Transformer {
    private final ModelConfig c;
    private final CudaEngine engine;
    private final Kernels kernels;
    private final CudaWeights w;
    private final DeviceCaches caches;
    private final Workspace ws = new Workspace();
    private final DeviceArray invFreq;
    private DeviceArray cos;
    private DeviceArray sin;
    /** RoPE indices the cos/sin tables cover. */
    private int ropeIndices;
    private boolean closed;

    /**
     * Loads the weights onto GPU {@code gpu}; device caches of sessions may take up to {@code cacheFraction} of the
     * device memory free after that.
     *
     * @throws CudaUnavailableException when this machine cannot run it (the message says why)
     */
    public CudaTransformer(ModelConfig config, Safetensors tensors, int gpu, double cacheFraction) {
        if (config.headDim % 2 != 0 || config.headDim > 256) {
            throw new IllegalArgumentException("the CUDA backend takes even head dimensions up to 256, not " + config.headDim);
        }
        if (config.heads / config.kvHeads > 32) {
            // attention gives one warp to each query head of a KV head's group, in one block of at most 32 warps
            throw new IllegalArgumentException("the CUDA backend takes at most 32 query heads per KV head, not "
                    + config.heads / config.kvHeads);
        }
        if (!(cacheFraction > 0 && cacheFraction <= 1)) {
            throw new IllegalArgumentException("the device cache fraction must be in (0, 1], not " + cacheFraction);
        }
        this.c = config;
        this.engine = CudaEngine.on(gpu);
        synchronized (engine) {
            engine.enter();
            this.kernels = new Kernels(engine, ws);
            this.w = new CudaWeights(config, tensors);
            this.invFreq = DeviceArray.of(config.ropeScaling.inverseFrequencies(config.ropeTheta, config.headDim));
            long bound = (long) (engine.freeBytes() * cacheFraction);
            this.caches = new DeviceCaches(bound, host -> new DeviceCache(kernels, host));
        }
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public long weightBytes() {
        return w.bytes();
    }

    public CudaEngine engine() {
        return engine;
    }

    @Override
    public List<float[]> forward(List<ForwardStep> batch) {
        BatchRows rows = BatchRows.of(batch, c);
        synchronized (engine) {
            if (closed) {
                throw new IllegalStateException("the CUDA backend is closed");
            }
            engine.enter();
            return run(batch, rows);
        }
    }

    private List<float[]> run(List<ForwardStep> batch, BatchRows rows) {
        int steps = rows.steps();
        int n = rows.rows();
        int[] start = rows.starts();
        int kvHeads = c.kvHeads;
        int qDim = c.heads * c.headDim;
        int kvDim = kvHeads * c.headDim;
        int[] positions = rows.claimPositions(batch);

        // each step's device cache, brought up to its host cache; where its rows go
        DeviceCache[] device = new DeviceCache[steps];
        DeviceCache.Plan[] plans = new DeviceCache.Plan[steps];
        int[] rowStep = new int[n];
        int[] slots = new int[c.layers * n * kvHeads];
        int[] ropes = new int[c.layers * n * kvHeads];
        boolean observed = false;
        for (int s = 0; s < steps; s++) {
            KvCache host = batch.get(s).cache();
            device[s] = caches.of(host);
            plans[s] = device[s].prepare(host, Arrays.copyOfRange(positions, start[s], start[s + 1]));
            for (int r = start[s]; r < start[s + 1]; r++) {
                rowStep[r] = s;
            }
            for (int l = 0; l < c.layers; l++) {
                int count = (start[s + 1] - start[s]) * kvHeads;
                System.arraycopy(plans[s].slots[l], 0, slots, (l * n + start[s]) * kvHeads, count);
                System.arraycopy(plans[s].ropes[l], 0, ropes, (l * n + start[s]) * kvHeads, count);
            }
            observed |= batch.get(s).observer() != null;
        }
        caches.fit(Arrays.asList(device));
        coverRope(Arrays.stream(positions).max().getAsInt() + 1);

        CUdeviceptr views = ws.get("views", (long) DeviceCache.VIEW_SIZE * steps);
        for (int s = 0; s < steps; s++) {
            cuMemcpyDtoD(views.withByteOffset((long) DeviceCache.VIEW_SIZE * s), device[s].view(), DeviceCache.VIEW_SIZE);
        }
        CUdeviceptr tokens = upload("tokens", tokensOf(batch, n));
        CUdeviceptr rowStepD = upload("rowStep", rowStep);
        CUdeviceptr rowPos = upload("rowPos", positions);
        CUdeviceptr slotsD = upload("slots", slots);
        CUdeviceptr ropesD = upload("ropes", ropes);

        // activations [n][width], f32
        CUdeviceptr x = ws.get("x", 4L * n * c.hidden);
        CUdeviceptr xn = ws.get("xn", 4L * n * c.hidden);
        CUdeviceptr q = ws.get("q", 4L * n * qDim);
        CUdeviceptr kAll = ws.get("k", 4L * c.layers * n * kvDim);  // [layers][n][kvDim]: copied back to the hosts
        CUdeviceptr vAll = ws.get("v", 4L * c.layers * n * kvDim);
        CUdeviceptr att = ws.get("att", 4L * n * qDim);
        CUdeviceptr proj = ws.get("proj", 4L * n * c.hidden);
        CUdeviceptr gate = ws.get("gate", 4L * n * c.intermediate);
        CUdeviceptr up = ws.get("up", 4L * n * c.intermediate);
        CUdeviceptr stats = ws.get("stats", 8L * n * c.heads);

        Kernels.Attention a = new Kernels.Attention();
        a.q = q;
        a.views = views;
        a.rowStep = rowStepD;
        a.rowPos = rowPos;
        a.cos = cos.ptr();
        a.sin = sin.ptr();
        a.heads = c.heads;
        a.kvHeads = kvHeads;
        a.headDim = c.headDim;
        a.window = c.slidingWindow;
        a.scale = (float) (1.0 / Math.sqrt(c.headDim));
        a.rowTile = Kernels.Attention.rowTile(start, c.heads / kvHeads);
        int[] tiles = Kernels.Attention.tiles(start, a.rowTile);
        a.tiles = upload("tiles", tiles);
        a.tileCount = tiles.length / 2;
        a.rows = n;
        a.maxSpan = maxSpan(batch, start);

        kernels.embed(w.embed, tokens, n, x);
        for (int layer = 0; layer < c.layers; layer++) {
            CudaWeights.Layer l = w.layers[layer];
            CUdeviceptr k = kAll.withByteOffset(4L * layer * n * kvDim);
            CUdeviceptr v = vAll.withByteOffset(4L * layer * n * kvDim);
            CUdeviceptr layerSlots = slotsD.withByteOffset(4L * layer * n * kvHeads);
            CUdeviceptr layerRopes = ropesD.withByteOffset(4L * layer * n * kvHeads);
            kernels.rmsNorm(x, l.attnNorm, c.rmsEps, n, c.hidden, xn);
            kernels.matmul(xn, l.q, n, q);
            kernels.matmul(xn, l.k, n, k);
            kernels.matmul(xn, l.v, n, v);
            if (l.qBias != null) {
                kernels.addBias(q, l.qBias, n, qDim);
                kernels.addBias(k, l.kBias, n, kvDim);
                kernels.addBias(v, l.vBias, n, kvDim);
            }
            kernels.kvAppend(k, v, views, rowStepD, rowPos, layerSlots, layerRopes, layer, n, kvHeads, c.headDim);
            if (observed) {
                // an observer may read the host cache while it sees this layer's weights: the rows must be there
                appendToHosts(batch, start, positions, plans, layer, download(k, n * kvDim), download(v, n * kvDim));
            }
            a.qRopes = layerRopes;
            kernels.attention(a, layer, att, stats);
            if (observed) {
                showObservers(batch, start, positions, a, layer, stats);
            }
            kernels.matmul(att, l.o, n, proj);
            kernels.addInPlace(x, proj, (long) n * c.hidden);
            kernels.rmsNorm(x, l.mlpNorm, c.rmsEps, n, c.hidden, xn);
            kernels.matmul(xn, l.gate, n, gate);
            kernels.matmul(xn, l.up, n, up);
            kernels.swiGlu(gate, up, (long) n * c.intermediate);
            kernels.matmul(gate, l.down, n, proj);
            kernels.addInPlace(x, proj, (long) n * c.hidden);
        }

        // the rows that give logits: all of a step's, or its last
        int[] outStart = rows.logitRowStart(batch);
        int logitRows = outStart[steps];
        CUdeviceptr last = ws.get("last", 4L * logitRows * c.hidden);
        for (int s = 0; s < steps; s++) {
            int count = outStart[s + 1] - outStart[s];
            cuMemcpyDtoD(last.withByteOffset(4L * outStart[s] * c.hidden), x.withByteOffset(4L * (start[s + 1] - count) * c.hidden),
                    4L * count * c.hidden);
        }
        CUdeviceptr normed = ws.get("normed", 4L * logitRows * c.hidden);
        kernels.rmsNorm(last, w.finalNorm, c.rmsEps, logitRows, c.hidden, normed);
        CUdeviceptr logitsD = ws.get("logits", 4L * logitRows * c.vocab);
        kernels.matmul(normed, w.lmHead, logitRows, logitsD);
        float[] logits = download(logitsD, Math.multiplyExact(logitRows, c.vocab));
        if (!observed) {
            float[] kHost = download(kAll, c.layers * n * kvDim);
            float[] vHost = download(vAll, c.layers * n * kvDim);
            for (int layer = 0; layer < c.layers; layer++) {
                appendToHosts(batch, start, positions, plans, layer, Arrays.copyOfRange(kHost, layer * n * kvDim, (layer + 1) * n * kvDim),
                        Arrays.copyOfRange(vHost, layer * n * kvDim, (layer + 1) * n * kvDim));
            }
        }
        for (int s = 0; s < steps; s++) {
            device[s].appended(batch.get(s).cache(), start[s + 1] - start[s]);
        }
        return BatchRows.perStep(logits, outStart, c.vocab);
    }

    /** Appends one layer's new entries (k, v: [n][kvDim] as the device computed them) to each step's host cache. */
    private void appendToHosts(List<ForwardStep> batch, int[] start, int[] positions, DeviceCache.Plan[] plans, int layer,
                               float[] k, float[] v) {
        int kvDim = c.kvHeads * c.headDim;
        for (int s = 0; s < plans.length; s++) {
            KvCache host = batch.get(s).cache();
            for (int h = 0; h < c.kvHeads; h++) {
                HeadCache head = host.head(layer, h);
                for (int r = start[s]; r < start[s + 1]; r++) {
                    int off = r * kvDim + h * c.headDim;
                    int slot = head.append(positions[r], k, off, v, off);
                    int planned = plans[s].slots[layer][(r - start[s]) * c.kvHeads + h];
                    if (slot != planned) {
                        throw new IllegalStateException("the device cache wrote layer " + layer + " head " + h
                                + " slot " + planned + " but the host cache appended to slot " + slot);
                    }
                }
            }
        }
    }

    /** The most slots any head of the steps' caches spans once their rows are appended: slots now, plus the rows. */
    private int maxSpan(List<ForwardStep> batch, int[] start) {
        int most = 0;
        for (int s = 0; s < batch.size(); s++) {
            KvCache host = batch.get(s).cache();
            for (int l = 0; l < c.layers; l++) {
                for (int h = 0; h < c.kvHeads; h++) {
                    most = Math.max(most, host.head(l, h).slots() + start[s + 1] - start[s]);
                }
            }
        }
        return most;
    }

    /** Shows each observed step this layer's attention weights, as the CPU backend does (see AttentionObserver). */
    private void showObservers(List<ForwardStep> batch, int[] start, int[] positions, Kernels.Attention a, int layer,
                               CUdeviceptr stats) {
        int group = c.heads / c.kvHeads;
        for (int s = 0; s < batch.size(); s++) {
            AttentionObserver observer = batch.get(s).observer();
            if (observer == null) {
                continue;
            }
            KvCache host = batch.get(s).cache();
            int rows = start[s + 1] - start[s];
            int width = 1;
            for (int h = 0; h < c.kvHeads; h++) {
                width = Math.max(width, host.head(layer, h).slots());
            }
            CUdeviceptr probs = ws.get("probs", 4L * rows * c.heads * width);
            kernels.attentionProbs(a, layer, start[s], rows, stats, width, probs);
            float[] exps = download(probs, Math.multiplyExact(rows * c.heads, width));
            float[] sums = new float[2 * c.heads * rows];
            cuMemcpyDtoH(Pointer.to(sums), stats.withByteOffset(8L * start[s] * c.heads), 8L * rows * c.heads);
            for (int t = 0; t < rows; t++) {
                int p = positions[start[s] + t];
                int lowest = c.slidingWindow > 0 ? p - c.slidingWindow + 1 : Integer.MIN_VALUE;
                for (int kvh = 0; kvh < c.kvHeads; kvh++) {
                    HeadCache head = host.head(layer, kvh);
                    int lo = -1;
                    int hi = -1;
                    for (int j = 0; j < head.slots(); j++) {
                        int kp = head.position(j);
                        if (kp != HeadCache.FREE && kp <= p && kp >= lowest) {
                            lo = lo < 0 ? j : lo;
                            hi = j;
                        }
                    }
                    for (int g = 0; g < group; g++) {
                        int h = kvh * group + g;
                        observer.weights(layer, kvh, t, g, exps, (t * c.heads + h) * width, lo, hi, sums[2 * (t * c.heads + h) + 1]);
                    }
                }
            }
        }
    }

    /** Makes the cos/sin tables cover RoPE indices [0, needed). */
    private void coverRope(int needed) {
        if (needed <= ropeIndices) {
            return;
        }
        int half = c.headDim / 2;
        int indices = Math.max(needed, Math.max(4096, ropeIndices * 2));
        DeviceArray newCos = new DeviceArray(4L * indices * half);
        DeviceArray newSin = new DeviceArray(4L * indices * half);
        kernels.ropeTable(invFreq, half, 0, indices, newCos.ptr(), newSin.ptr());
        if (cos != null) {
            cos.close();
            sin.close();
        }
        cos = newCos;
        sin = newSin;
        ropeIndices = indices;
    }

    private static int[] tokensOf(List<ForwardStep> batch, int n) {
        int[] tokens = new int[n];
        int r = 0;
        for (ForwardStep step : batch) {
            System.arraycopy(step.tokens(), 0, tokens, r, step.tokens().length);
            r += step.tokens().length;
        }
        return tokens;
    }

    private CUdeviceptr upload(String name, int[] data) {
        CUdeviceptr p = ws.get(name, 4L * data.length);
        cuMemcpyHtoD(p, Pointer.to(data), 4L * data.length);
        return p;
    }

    private static float[] download(CUdeviceptr p, int count) {
        float[] out = new float[count];
        cuMemcpyDtoH(Pointer.to(out), p, 4L * count);
        return out;
    }

    /** Where {@code host}'s device copy differs from it (see DeviceCache#differences), or null; for tests. */
    String mirrorDifferences(KvCache host) {
        synchronized (engine) {
            engine.enter();
            return caches.of(host).differences(host);
        }
    }

    /** Sessions whose caches are on the device now. */
    public int residentSessions() {
        synchronized (engine) {
            return caches.residentCount();
        }
    }

    @Override
    public void close() {
        synchronized (engine) {
            if (closed) {
                return;
            }
            closed = true;
            engine.enter();
            cuCtxSynchronize();
            caches.close();
            ws.close();
            w.close();
            invFreq.close();
            if (cos != null) {
                cos.close();
                sin.close();
            }
        }
    }
}
