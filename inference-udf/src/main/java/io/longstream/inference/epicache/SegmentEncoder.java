package io.longstream.inference.epicache;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;

/**
 * EpiCache's segment encoder (kv-policies §6): all-MiniLM-L6-v2, quantized ONNX, weights inside its
 * jar; one instance per JVM, and L2-normalised 384-d vectors whatever the library returns.
 */
public final class SegmentEncoder {
    public static final int DIMENSIONS = 384;
    private static final AllMiniLmL6V2QuantizedEmbeddingModel MODEL = new AllMiniLmL6V2QuantizedEmbeddingModel();

    private SegmentEncoder() {
    }

    public static float[] embed(String text) {
        float[] v = MODEL.embed(text).content().vector();
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        float inverse = norm == 0 ? 0f : (float) (1 / Math.sqrt(norm));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inverse;
        }
        return out;
    }
}
