package io.longstream.inference.model;

import java.util.Arrays;

/**
 * The Hugging Face tensors of a Llama-family decoder (Llama, Mistral, Qwen2), found by name and checked against the
 * shapes the config implies, so every backend loads the same tensors the same way.
 */
public final class DecoderTensors {
    /** [vocab][hidden]. */
    public final TensorInfo embed;
    /** [vocab][hidden]; the embedding itself when the model ties them. */
    public final TensorInfo lmHead;
    /** [hidden]. */
    public final TensorInfo finalNorm;
    public final Layer[] layers;

    /** One decoder layer; matrices are [out][in], the biases null unless the model has q/k/v biases. */
    public static final class Layer {
        public TensorInfo attnNorm, mlpNorm, q, k, v, o, qBias, kBias, vBias, gate, up, down;
    }

    public DecoderTensors(ModelConfig c, Safetensors st) {
        int qDim = c.heads * c.headDim;
        int kvDim = c.kvHeads * c.headDim;
        embed = shaped(st, "model.embed_tokens.weight", c.vocab, c.hidden);
        finalNorm = shaped(st, "model.norm.weight", c.hidden);
        lmHead = c.tiedEmbeddings ? embed : shaped(st, "lm_head.weight", c.vocab, c.hidden);
        layers = new Layer[c.layers];
        for (int i = 0; i < c.layers; i++) {
            String p = "model.layers." + i + ".";
            Layer l = new Layer();
            l.attnNorm = shaped(st, p + "input_layernorm.weight", c.hidden);
            l.mlpNorm = shaped(st, p + "post_attention_layernorm.weight", c.hidden);
            l.q = shaped(st, p + "self_attn.q_proj.weight", qDim, c.hidden);
            l.k = shaped(st, p + "self_attn.k_proj.weight", kvDim, c.hidden);
            l.v = shaped(st, p + "self_attn.v_proj.weight", kvDim, c.hidden);
            l.o = shaped(st, p + "self_attn.o_proj.weight", c.hidden, qDim);
            if (c.qkvBias) {
                l.qBias = shaped(st, p + "self_attn.q_proj.bias", qDim);
                l.kBias = shaped(st, p + "self_attn.k_proj.bias", kvDim);
                l.vBias = shaped(st, p + "self_attn.v_proj.bias", kvDim);
            }
            l.gate = shaped(st, p + "mlp.gate_proj.weight", c.intermediate, c.hidden);
            l.up = shaped(st, p + "mlp.up_proj.weight", c.intermediate, c.hidden);
            l.down = shaped(st, p + "mlp.down_proj.weight", c.hidden, c.intermediate);
            layers[i] = l;
        }
    }

    /** A vector tensor read as floats. */
    public static float[] floats(Safetensors st, TensorInfo t) {
        float[] v = new float[Math.toIntExact(t.elements())];
        st.readFloats(t, 0, v.length, v, 0);
        return v;
    }

    private static TensorInfo shaped(Safetensors st, String name, long... expected) {
        TensorInfo t = st.info(name);
        if (!Arrays.equals(t.shape(), expected)) {
            throw new ModelFormatException("tensor '" + t.name() + "' has shape " + Arrays.toString(t.shape())
                    + " but config.json implies " + Arrays.toString(expected));
        }
        return t;
    }
}
