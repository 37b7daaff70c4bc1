package io.longstream.inference.cpu;

import io.longstream.inference.model.DecoderTensors;
import io.longstream.inference.model.ModelConfig;
import io.longstream.inference.model.Safetensors;
import io.longstream.inference.model.TensorInfo;

/**
 * A model's weights for the CPU backend: matrices packed in their file dtype, vectors (norms, biases)
 * as floats.
 */
final class CpuWeights {
    final PackedMatrix embed;
    final PackedMatrix lmHead;
    final float[] finalNorm;
    final Layer[] layers;

    static final class Layer {
        PackedMatrix q, k, v, o, gate, up, down;
        float[] qBias, kBias, vBias;
        float[] attnNorm, mlpNorm;
    }

    CpuWeights(ModelConfig c, Safetensors st) {
        DecoderTensors t = new DecoderTensors(c, st);
        embed = matrix(st, t.embed);
        finalNorm = DecoderTensors.floats(st, t.finalNorm);
        lmHead = t.lmHead == t.embed ? embed : matrix(st, t.lmHead);
        layers = new Layer[c.layers];
        for (int i = 0; i < c.layers; i++) {
            DecoderTensors.Layer d = t.layers[i];
            Layer l = new Layer();
            l.attnNorm = DecoderTensors.floats(st, d.attnNorm);
            l.mlpNorm = DecoderTensors.floats(st, d.mlpNorm);
            l.q = matrix(st, d.q);
            l.k = matrix(st, d.k);
            l.v = matrix(st, d.v);
            l.o = matrix(st, d.o);
            if (d.qBias != null) {
                l.qBias = DecoderTensors.floats(st, d.qBias);
                l.kBias = DecoderTensors.floats(st, d.kBias);
                l.vBias = DecoderTensors.floats(st, d.vBias);
            }
            l.gate = matrix(st, d.gate);
            l.up = matrix(st, d.up);
            l.down = matrix(st, d.down);
            layers[i] = l;
        }
    }

    /** Bytes of all matrices and vectors as held in memory. */
    long bytes() {
        long total = embed.bytes() + (lmHead == embed ? 0 : lmHead.bytes()) + 4L * finalNorm.length;
        for (Layer l : layers) {
            for (PackedMatrix m : new PackedMatrix[] {l.q, l.k, l.v, l.o, l.gate, l.up, l.down}) {
                total += m.bytes();
            }
            total += 4L * (l.attnNorm.length + l.mlpNorm.length);
            if (l.qBias != null) {
                total += 4L * (l.qBias.length + l.kBias.length + l.vBias.length);
            }
        }
        return total;
    }

    private static PackedMatrix matrix(Safetensors st, TensorInfo t) {
        int rows = Math.toIntExact(t.shape()[0]);
        int cols = Math.toIntExact(t.shape()[1]);
        switch (t.dtype()) {
            case BF16:
                return new Bf16Matrix(rows, cols, (r0, count, dst) -> st.read16(t, (long) r0 * cols, count * cols, dst, 0));
            case F16:
                return new F16Matrix(rows, cols, (r0, count, dst) -> st.read16(t, (long) r0 * cols, count * cols, dst, 0));
            default:
                return new F32Matrix(rows, cols, (r0, count, dst) -> st.readFloats(t, (long) r0 * cols, count * cols, dst, 0));
        }
    }
}
