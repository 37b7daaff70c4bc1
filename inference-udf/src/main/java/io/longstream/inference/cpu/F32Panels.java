package io.longstream.inference.cpu;

import static io.longstream.inference.cpu.Lanes.F;
import static io.longstream.inference.cpu.Lanes.L;
import static io.longstream.inference.cpu.PackedMatrix.GROUP;

import jdk.incubator.vector.FloatVector;

/**
 * Micro-kernels over 4 float panels: panel p's column k is the vector at
 * {@code w[w0 + p * panelStride + k * L]}. Also used by dtypes that first decode a block into floats.
 */
final class F32Panels {
    private F32Panels() {
    }

    /** Columns [k0, k1) of one group for n tokens; x: [n][cols]. */
    static void accumulate(float[] w, int w0, int panelStride, int k0, int k1, float[] x, int cols, int n, float[] acc) {
        int t = 0;
        for (; t + 4 <= n; t += 4) {
            tokens4(w, w0, panelStride, k0, k1, x, t * cols, cols, acc, t * GROUP);
        }
        for (; t < n; t++) {
            tokens1(w, w0, panelStride, k0, k1, x, t * cols, acc, t * GROUP);
        }
    }

    // acc[t][p] (vector of L rows) = fma(W_p[k], x_t[k], acc[t][p]) for k in [k0, k1), 4 panels x 4 tokens
    private static void tokens4(float[] w, int w0, int ps, int k0, int k1, float[] x, int x0, int xs, float[] acc, int a) {
        FloatVector a00 = FloatVector.fromArray(F, acc, a), a01 = FloatVector.fromArray(F, acc, a + L);
        FloatVector a02 = FloatVector.fromArray(F, acc, a + 2 * L), a03 = FloatVector.fromArray(F, acc, a + 3 * L);
        FloatVector a10 = FloatVector.fromArray(F, acc, a + GROUP), a11 = FloatVector.fromArray(F, acc, a + GROUP + L);
        FloatVector a12 = FloatVector.fromArray(F, acc, a + GROUP + 2 * L), a13 = FloatVector.fromArray(F, acc, a + GROUP + 3 * L);
        FloatVector a20 = FloatVector.fromArray(F, acc, a + 2 * GROUP), a21 = FloatVector.fromArray(F, acc, a + 2 * GROUP + L);
        FloatVector a22 = FloatVector.fromArray(F, acc, a + 2 * GROUP + 2 * L), a23 = FloatVector.fromArray(F, acc, a + 2 * GROUP + 3 * L);
        FloatVector a30 = FloatVector.fromArray(F, acc, a + 3 * GROUP), a31 = FloatVector.fromArray(F, acc, a + 3 * GROUP + L);
        FloatVector a32 = FloatVector.fromArray(F, acc, a + 3 * GROUP + 2 * L), a33 = FloatVector.fromArray(F, acc, a + 3 * GROUP + 3 * L);
        for (int k = k0; k < k1; k++) {
            int wk = w0 + k * L;
            FloatVector w0v = FloatVector.fromArray(F, w, wk);
            FloatVector w1v = FloatVector.fromArray(F, w, wk + ps);
            FloatVector w2v = FloatVector.fromArray(F, w, wk + 2 * ps);
            FloatVector w3v = FloatVector.fromArray(F, w, wk + 3 * ps);
            FloatVector x0v = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0v.fma(x0v, a00); a01 = w1v.fma(x0v, a01); a02 = w2v.fma(x0v, a02); a03 = w3v.fma(x0v, a03);
            FloatVector x1v = FloatVector.broadcast(F, x[x0 + xs + k]);
            a10 = w0v.fma(x1v, a10); a11 = w1v.fma(x1v, a11); a12 = w2v.fma(x1v, a12); a13 = w3v.fma(x1v, a13);
            FloatVector x2v = FloatVector.broadcast(F, x[x0 + 2 * xs + k]);
            a20 = w0v.fma(x2v, a20); a21 = w1v.fma(x2v, a21); a22 = w2v.fma(x2v, a22); a23 = w3v.fma(x2v, a23);
            FloatVector x3v = FloatVector.broadcast(F, x[x0 + 3 * xs + k]);
            a30 = w0v.fma(x3v, a30); a31 = w1v.fma(x3v, a31); a32 = w2v.fma(x3v, a32); a33 = w3v.fma(x3v, a33);
        }
        a00.intoArray(acc, a); a01.intoArray(acc, a + L); a02.intoArray(acc, a + 2 * L); a03.intoArray(acc, a + 3 * L);
        a10.intoArray(acc, a + GROUP); a11.intoArray(acc, a + GROUP + L);
        a12.intoArray(acc, a + GROUP + 2 * L); a13.intoArray(acc, a + GROUP + 3 * L);
        a20.intoArray(acc, a + 2 * GROUP); a21.intoArray(acc, a + 2 * GROUP + L);
        a22.intoArray(acc, a + 2 * GROUP + 2 * L); a23.intoArray(acc, a + 2 * GROUP + 3 * L);
        a30.intoArray(acc, a + 3 * GROUP); a31.intoArray(acc, a + 3 * GROUP + L);
        a32.intoArray(acc, a + 3 * GROUP + 2 * L); a33.intoArray(acc, a + 3 * GROUP + 3 * L);
    }

    private static void tokens1(float[] w, int w0, int ps, int k0, int k1, float[] x, int x0, float[] acc, int a) {
        FloatVector a0 = FloatVector.fromArray(F, acc, a), a1 = FloatVector.fromArray(F, acc, a + L);
        FloatVector a2 = FloatVector.fromArray(F, acc, a + 2 * L), a3 = FloatVector.fromArray(F, acc, a + 3 * L);
        for (int k = k0; k < k1; k++) {
            int wk = w0 + k * L;
            FloatVector xv = FloatVector.broadcast(F, x[x0 + k]);
            a0 = FloatVector.fromArray(F, w, wk).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, wk + ps).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, wk + 2 * ps).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, wk + 3 * ps).fma(xv, a3);
        }
        a0.intoArray(acc, a); a1.intoArray(acc, a + L); a2.intoArray(acc, a + 2 * L); a3.intoArray(acc, a + 3 * L);
    }
}
