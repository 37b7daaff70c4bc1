package io.longstream.inference.cpu;

import static io.longstream.inference.cpu.Lanes.F;
import static io.longstream.inference.cpu.Lanes.I;
import static io.longstream.inference.cpu.Lanes.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * A bf16 matrix, two panels per int, and the four int pairs of two groups interleaved per column: the low half
 * of {@code data[((quad * cols + k) * 4 + j) * L + lane]} is W[(4·quad + j)·2L + lane][k], the high half
 * W[(4·quad + j)·2L + L + lane][k]. A bf16 is the top half of a float, so one shift or one mask turns an int
 * vector into two float vectors, without a cross-lane convert. A decode step reads a quad (two groups) as one
 * run of memory, and consecutive quads continue it, so a thread taking quads in order reads one stream.
 */
public final class Bf16Matrix extends PackedMatrix {
    private static final int HIGH_HALF = 0xFFFF0000;
    /** Int pairs of panels per quad (two groups), interleaved per column. */
    private static final int PAIRS = 4;

    private final int[] data;

    /** Supplies the bf16 codes of rows [r0, r0 + count), row-major, into dst (rows past the end are never asked). */
    @FunctionalInterface
    public interface RowSource {
        void read(int r0, int count, short[] dst);
    }

    public Bf16Matrix(int rows, int cols, RowSource source) {
        super(rows, cols);
        int quads = (groups + 1) / 2;
        data = new int[Math.multiplyExact(quads, Math.multiplyExact(cols, PAIRS * L))];
        short[] block = new short[2 * L * cols];
        for (int pair = 0; pair < quads * PAIRS; pair++) {
            int r0 = pair * 2 * L;
            int count = Math.max(0, Math.min(2 * L, rows - r0));
            if (count == 0) {
                break;
            }
            java.util.Arrays.fill(block, (short) 0);
            source.read(r0, count, block);
            int base = pairBase(pair);
            for (int lane = 0; lane < L; lane++) {
                int lo = lane * cols;
                int hi = (L + lane) * cols;
                for (int k = 0; k < cols; k++) {
                    data[base + k * PAIRS * L + lane] = (block[hi + k] << 16) | (block[lo + k] & 0xFFFF);
                }
            }
        }
    }

    /** Index of column 0, lane 0 of a pair; a column's next entry is {@code PAIRS * L} further. */
    private int pairBase(int pair) {
        return (pair / PAIRS) * cols * PAIRS * L + (pair % PAIRS) * L;
    }

    @Override
    protected int elementBytes() {
        return 2;
    }

    @Override
    public void row(int r, float[] dst, int offset) {
        int base = pairBase(r / (2 * L)) + r % L;
        boolean high = (r / L) % 2 == 1;
        for (int k = 0; k < cols; k++) {
            int v = data[base + k * PAIRS * L];
            dst[offset + k] = Float.intBitsToFloat(high ? v & HIGH_HALF : v << 16);
        }
    }

    @Override
    protected void accumulate(int g, int k0, int k1, float[] x, int n, float[] acc, float[] tile) {
        int p0 = pairBase(2 * g);
        int t = 0;
        for (; t + 4 <= n; t += 4) {
            tokens4(p0, k0, k1, x, t * cols, cols, acc, t * GROUP);
        }
        for (; t < n; t++) {
            tokens1(p0, k0, k1, x, t * cols, acc, t * GROUP);
        }
    }

    @Override
    protected boolean fusesTwoGroups() {
        return true;
    }

    @Override
    protected void accumulateTwoGroups(int g, float[] x, float[] acc) {
        final int[] w = data;
        int p0 = pairBase(2 * g);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int k = 0; k < cols; k++) {
            int wk = p0 + k * PAIRS * L;
            IntVector pa = IntVector.fromArray(I, w, wk);
            IntVector pb = IntVector.fromArray(I, w, wk + L);
            IntVector pc = IntVector.fromArray(I, w, wk + 2 * L);
            IntVector pd = IntVector.fromArray(I, w, wk + 3 * L);
            FloatVector xv = FloatVector.broadcast(F, x[k]);
            a0 = low(pa).fma(xv, a0);
            a1 = high(pa).fma(xv, a1);
            a2 = low(pb).fma(xv, a2);
            a3 = high(pb).fma(xv, a3);
            a4 = low(pc).fma(xv, a4);
            a5 = high(pc).fma(xv, a5);
            a6 = low(pd).fma(xv, a6);
            a7 = high(pd).fma(xv, a7);
        }
        a0.intoArray(acc, 0); a1.intoArray(acc, L); a2.intoArray(acc, 2 * L); a3.intoArray(acc, 3 * L);
        a4.intoArray(acc, 4 * L); a5.intoArray(acc, 5 * L); a6.intoArray(acc, 6 * L); a7.intoArray(acc, 7 * L);
    }

    private static FloatVector low(IntVector v) {
        return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector high(IntVector v) {
        return v.lanewise(VectorOperators.AND, HIGH_HALF).reinterpretAsFloats();
    }

    // acc[t][p] = fma(W_p[k], x_t[k], acc[t][p]) for k in [k0, k1): 4 panels (2 int pairs) x 4 tokens
    private void tokens4(int p0, int k0, int k1, float[] x, int x0, int xs, float[] acc, int a) {
        final int[] w = data;
        FloatVector a00 = FloatVector.fromArray(F, acc, a), a01 = FloatVector.fromArray(F, acc, a + L);
        FloatVector a02 = FloatVector.fromArray(F, acc, a + 2 * L), a03 = FloatVector.fromArray(F, acc, a + 3 * L);
        FloatVector a10 = FloatVector.fromArray(F, acc, a + GROUP), a11 = FloatVector.fromArray(F, acc, a + GROUP + L);
        FloatVector a12 = FloatVector.fromArray(F, acc, a + GROUP + 2 * L), a13 = FloatVector.fromArray(F, acc, a + GROUP + 3 * L);
        FloatVector a20 = FloatVector.fromArray(F, acc, a + 2 * GROUP), a21 = FloatVector.fromArray(F, acc, a + 2 * GROUP + L);
        FloatVector a22 = FloatVector.fromArray(F, acc, a + 2 * GROUP + 2 * L), a23 = FloatVector.fromArray(F, acc, a + 2 * GROUP + 3 * L);
        FloatVector a30 = FloatVector.fromArray(F, acc, a + 3 * GROUP), a31 = FloatVector.fromArray(F, acc, a + 3 * GROUP + L);
        FloatVector a32 = FloatVector.fromArray(F, acc, a + 3 * GROUP + 2 * L), a33 = FloatVector.fromArray(F, acc, a + 3 * GROUP + 3 * L);
        for (int k = k0; k < k1; k++) {
            int wk = p0 + k * PAIRS * L;
            IntVector pa = IntVector.fromArray(I, w, wk);
            IntVector pb = IntVector.fromArray(I, w, wk + L);
            FloatVector w0 = low(pa), w1 = high(pa), w2 = low(pb), w3 = high(pb);
            FloatVector x0v = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0.fma(x0v, a00); a01 = w1.fma(x0v, a01); a02 = w2.fma(x0v, a02); a03 = w3.fma(x0v, a03);
            FloatVector x1v = FloatVector.broadcast(F, x[x0 + xs + k]);
            a10 = w0.fma(x1v, a10); a11 = w1.fma(x1v, a11); a12 = w2.fma(x1v, a12); a13 = w3.fma(x1v, a13);
            FloatVector x2v = FloatVector.broadcast(F, x[x0 + 2 * xs + k]);
            a20 = w0.fma(x2v, a20); a21 = w1.fma(x2v, a21); a22 = w2.fma(x2v, a22); a23 = w3.fma(x2v, a23);
            FloatVector x3v = FloatVector.broadcast(F, x[x0 + 3 * xs + k]);
            a30 = w0.fma(x3v, a30); a31 = w1.fma(x3v, a31); a32 = w2.fma(x3v, a32); a33 = w3.fma(x3v, a33);
        }
        a00.intoArray(acc, a); a01.intoArray(acc, a + L); a02.intoArray(acc, a + 2 * L); a03.intoArray(acc, a + 3 * L);
        a10.intoArray(acc, a + GROUP); a11.intoArray(acc, a + GROUP + L);
        a12.intoArray(acc, a + GROUP + 2 * L); a13.intoArray(acc, a + GROUP + 3 * L);
        a20.intoArray(acc, a + 2 * GROUP); a21.intoArray(acc, a + 2 * GROUP + L);
        a22.intoArray(acc, a + 2 * GROUP + 2 * L); a23.intoArray(acc, a + 2 * GROUP + 3 * L);
        a30.intoArray(acc, a + 3 * GROUP); a31.intoArray(acc, a + 3 * GROUP + L);
        a32.intoArray(acc, a + 3 * GROUP + 2 * L); a33.intoArray(acc, a + 3 * GROUP + 3 * L);
    }

    private void tokens1(int p0, int k0, int k1, float[] x, int x0, float[] acc, int a) {
        final int[] w = data;
        FloatVector a0 = FloatVector.fromArray(F, acc, a), a1 = FloatVector.fromArray(F, acc, a + L);
        FloatVector a2 = FloatVector.fromArray(F, acc, a + 2 * L), a3 = FloatVector.fromArray(F, acc, a + 3 * L);
        for (int k = k0; k < k1; k++) {
            int wk = p0 + k * PAIRS * L;
            IntVector pa = IntVector.fromArray(I, w, wk);
            IntVector pb = IntVector.fromArray(I, w, wk + L);
            FloatVector xv = FloatVector.broadcast(F, x[x0 + k]);
            a0 = low(pa).fma(xv, a0);
            a1 = high(pa).fma(xv, a1);
            a2 = low(pb).fma(xv, a2);
            a3 = high(pb).fma(xv, a3);
        }
        a0.intoArray(acc, a); a1.intoArray(acc, a + L); a2.intoArray(acc, a + 2 * L); a3.intoArray(acc, a + 3 * L);
    }
}
