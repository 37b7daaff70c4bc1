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
            for (int i = 0; i < dim; i += F.length()) {
                VectorMask<Float> m = F.indexInRange(i, dim);
                FloatVector xv = FloatVector.fromArray(F, x, base + i, m);
                FloatVector wv = FloatVector.fromArray(F, w, i, m);
                wv.mul(xv.mul(inv)).intoArray(out, base + i, m);
            }
        }
    }

    /** gate[i] = silu(gate[i]) · up[i] = gate / (1 + e^-gate) · up, for i in [0, len). */
    static void swiGlu(float[] gate, float[] up, int len) {
        for (int i = 0; i < len; i += F.length()) {
            VectorMask<Float> m = F.indexInRange(i, len);
            FloatVector g = FloatVector.fromArray(F, gate, i, m);
            FloatVector u = FloatVector.fromArray(F, up, i, m);
            FloatVector sig = VectorExp.exp(g.neg()).add(1f);
            g.div(sig).mul(u).intoArray(gate, i, m);
        }
    }

    /** acc[i] += delta[i] for i in [0, len). */
    static void addInPlace(float[] acc, float[] delta, int len) {
        for (int i = 0; i < len; i += F.length()) {
            VectorMask<Float> m = F.indexInRange(i, len);
            FloatVector.fromArray(F, acc, i, m).add(FloatVector.fromArray(F, delta, i, m)).intoArray(acc, i, m);
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
