package io.longstream.inference.cuda;

import io.longstream.inference.model.DecoderTensors;
import io.longstream.inference.model.ModelConfig;
import io.longstream.inference.model.Safetensors;
import io.longstream.inference.model.TensorInfo;
import java.util.ArrayList;
import java.util.List;

/** A model's weights on the device: matrices in their file dtype, vectors (norms, biases) as floats. */
final class CudaWeights implements AutoCloseable {
    final DeviceMatrix embed;
    final DeviceMatrix lmHead;
    final DeviceArray finalNorm;
    final Layer[] layers;
    private final List<DeviceArray> owned = new ArrayList<>();

    static final class Layer {
        DeviceMatrix q, k, v, o, gate, up, down;
        DeviceArray qBias, kBias, vBias;
        DeviceArray attnNorm, mlpNorm;
    }

    CudaWeights(ModelConfig c, Safetensors st) {
        DecoderTensors t = new DecoderTensors(c, st);
        embed = matrix(st, t.embed);
        finalNorm = vector(st, t.finalNorm);
        lmHead = t.lmHead == t.embed ? embed : matrix(st, t.lmHead);
        layers = new Layer[c.layers];
        for (int i = 0; i < c.layers; i++) {
            DecoderTensors.Layer d = t.layers[i];
            Layer l = new Layer();
            l.attnNorm = vector(st, d.attnNorm);
            l.mlpNorm = vector(st, d.mlpNorm);
            l.q = matrix(st, d.q);
            l.k = matrix(st, d.k);
            l.v = matrix(st, d.v);
            l.o = matrix(st, d.o);
            if (d.qBias != null) {
                l.qBias = vector(st, d.qBias);
                l.kBias = vector(st, d.kBias);
                l.vBias = vector(st, d.vBias);
            }
            l.gate = matrix(st, d.gate);
            l.up = matrix(st, d.up);
            l.down = matrix(st, d.down);
            layers[i] = l;
        }
    }

    /** Bytes of all matrices and vectors on the device. */
    long bytes() {
        return owned.stream().mapToLong(DeviceArray::bytes).sum();
    }

    private DeviceMatrix matrix(Safetensors st, TensorInfo t) {
        DeviceMatrix m = new DeviceMatrix(st, t);
        owned.add(m.data);
        return m;
    }

    private DeviceArray vector(Safetensors st, TensorInfo t) {
        DeviceArray a = DeviceArray.of(DecoderTensors.floats(st, t));
        owned.add(a);
        return a;
    }

    @Override
    public void close() {
        owned.forEach(DeviceArray::close);
        owned.clear();
    }
}
