package io.longstream.inference.cpu;

import io.longstream.inference.model.ModelConfig;
import io.longstream.inference.model.ModelFormatException;
import io.longstream.inference.model.Safetensors;
import io.longstream.inference.model.TensorInfo;
import java.util.Arrays;

/**
 * A model's weights for the CPU backend: matrices packed in their file dtype, vectors (norms, biases)
 * as floats. Every tensor's shape is checked against the config as it loads.
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
        int qDim = c.heads * c.headDim;
        int kvDim = c.kvHeads * c.headDim;
        embed = matrix(st, "model.embed_tokens.weight", c.vocab, c.hidden);
        finalNorm = vector(st, "model.norm.weight", c.hidden);
        lmHead = c.tiedEmbeddings ? embed : matrix(st, "lm_head.weight", c.vocab, c.hidden);
        layers = new Layer[c.layers];
        for (int i = 0; i < c.layers; i++) {
            String p = "model.layers." + i + ".";
            Layer l = new Layer();
            l.attnNorm = vector(st, p + "input_layernorm.weight", c.hidden);
            l.mlpNorm = vector(st, p + "post_attention_layernorm.weight", c.hidden);
            l.q = matrix(st, p + "self_attn.q_proj.weight", qDim, c.hidden);
            l.k = matrix(st, p + "self_attn.k_proj.weight", kvDim, c.hidden);
            l.v = matrix(st, p + "self_attn.v_proj.weight", kvDim, c.hidden);
            l.o = matrix(st, p + "self_attn.o_proj.weight", c.hidden, qDim);
            if (c.qkvBias) {
                l.qBias = vector(st, p + "self_attn.q_proj.bias", qDim);
                l.kBias = vector(st, p + "self_attn.k_proj.bias", kvDim);
                l.vBias = vector(st, p + "self_attn.v_proj.bias", kvDim);
            }
            l.gate = matrix(st, p + "mlp.gate_proj.weight", c.intermediate, c.hidden);
            l.up = matrix(st, p + "mlp.up_proj.weight", c.intermediate, c.hidden);
            l.down = matrix(st, p + "mlp.down_proj.weight", c.hidden, c.intermediate);
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

    private static PackedMatrix matrix(Safetensors st, String name, int rows, int cols) {
        TensorInfo t = checkShape(st.info(name), rows, cols);
        switch (t.dtype()) {
            case BF16:
                return new Bf16Matrix(rows, cols, (r0, count, dst) -> st.read16(t, (long) r0 * cols, count * cols, dst, 0));
            case F16:
                return new F16Matrix(rows, cols, (r0, count, dst) -> st.read16(t, (long) r0 * cols, count * cols, dst, 0));
            default:
                return new F32Matrix(rows, cols, (r0, count, dst) -> st.readFloats(t, (long) r0 * cols, count * cols, dst, 0));
        }
    }

    private static float[] vector(Safetensors st, String name, int length) {
        TensorInfo t = checkShape(st.info(name), length);
        float[] v = new float[length];
        st.readFloats(t, 0, length, v, 0);
        return v;
    }

    private static TensorInfo checkShape(TensorInfo t, long... expected) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new ModelFormatException("tensor '" + t.name() + "' has shape " + Arrays.toString(t.shape())
                    + " but config.json implies " + Arrays.toString(expected));
        }
        return t;
    }
}
