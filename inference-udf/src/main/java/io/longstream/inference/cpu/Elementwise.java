package io.longstream.inference.cpu;

import static io.longstream.inference.cpu.Lanes.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/** Element-wise kernels over float rows: RMSNorm, SwiGLU, residual adds, bias adds. */
final class Elementwise {
    private Elementwise() {
    }

    /**
     * out[t] = w ⊙ x[t] / sqrt(mean(x[t]²) + eps) for rows t in [0, n); x, out: [n][dim].
     * The sum of squares is one fma chain in index order, so it does not depend on the vector width.
     */
    static void rmsNorm(float[] x, float[] w, float eps, int n, int dim, float[] out) {
        for (int t = 0; t < n; t++) {
            int base = t * dim;
            float ss = 0f;
            for (int i = 0; i < dim; i++) {
                ss = Math.fma(x[base + i], x[base + i], ss);
            }
            float inv = (float) (1.0 / Math.sqrt(ss / dim + (double) eps));
            int i = 0;
            for (; i < F.loopBound(dim); i += F.length()) {
                FloatVector.fromArray(F, w, i).mul(FloatVector.fromArray(F, x, base + i).mul(inv)).intoArray(out, base + i);
            }
            if (i < dim) {
                VectorMask<Float> m = F.indexInRange(i, dim);
                FloatVector.fromArray(F, w, i, m).mul(FloatVector.fromArray(F, x, base + i, m).mul(inv)).intoArray(out, base + i, m);
            }
        }
    }

    /** gate[i] = silu(gate[i]) · up[i] = gate / (1 + e^-gate) · up, for i in [0, len). */
    static void swiGlu(float[] gate, float[] up, int len) {
        int i = 0;
        for (; i < F.loopBound(len); i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            silu(g).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            silu(FloatVector.fromArray(F, gate, i, m)).mul(FloatVector.fromArray(F, up, i, m)).intoArray(gate, i, m);
        }
    }

    private static FloatVector silu(FloatVector g) {
        return g.div(VectorExp.exp(g.neg()).add(1f));
    }

    /** acc[i] += delta[i] for i in [0, len). */
    static void addInPlace(float[] acc, float[] delta, int len) {
        int i = 0;
        for (; i < F.loopBound(len); i += F.length()) {
            FloatVector.fromArray(F, acc, i).add(FloatVector.fromArray(F, delta, i)).intoArray(acc, i);
        }
        for (; i < len; i++) {
            acc[i] += delta[i];
        }
    }

    /** y[t][j] += bias[j] for each of n rows of width dim. */
    static void addBias(float[] y, float[] bias, int n, int dim) {
        for (int t = 0; t < n; t++) {
            int base = t * dim;
            for (int j = 0; j < dim; j++) {
                y[base + j] += bias[j];
            }
        }
    }
}
