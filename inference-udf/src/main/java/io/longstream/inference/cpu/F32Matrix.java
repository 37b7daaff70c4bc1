package io.longstream.inference.cpu;

import static io.longstream.inference.cpu.Lanes.L;

/** A float matrix in panels: W[p·L + lane][k] at {@code data[(p * cols + k) * L + lane]}. */
public final class F32Matrix extends PackedMatrix {
    private final float[] data;

    /** Supplies rows [r0, r0 + count) as floats, row-major, into dst. */
    @FunctionalInterface
    public interface RowSource {
        void read(int r0, int count, float[] dst);
    }

    public F32Matrix(int rows, int cols, RowSource source) {
        super(rows, cols);
        int panels = paddedRows() / L;
        data = new float[Math.multiplyExact(panels, Math.multiplyExact(cols, L))];
        float[] block = new float[L * cols];
        for (int p = 0; p < panels && p * L < rows; p++) {
            int count = Math.min(L, rows - p * L);
            java.util.Arrays.fill(block, 0f);
            source.read(p * L, count, block);
            int base = p * cols * L;
            for (int lane = 0; lane < count; lane++) {
                for (int k = 0; k < cols; k++) {
                    data[base + k * L + lane] = block[lane * cols + k];
                }
            }
        }
    }

    @Override
    protected int elementBytes() {
        return 4;
    }

    @Override
    public void row(int r, float[] dst, int offset) {
        int base = (r / L) * cols * L + r % L;
        for (int k = 0; k < cols; k++) {
            dst[offset + k] = data[base + k * L];
        }
    }

    @Override
    protected void accumulate(int g, int k0, int k1, float[] x, int n, float[] acc, float[] tile) {
        F32Panels.accumulate(data, PANELS * g * cols * L, cols * L, k0, k1, x, cols, n, acc);
    }
}
