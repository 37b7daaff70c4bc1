package io.longstream.inference.cpu;

import static io.longstream.inference.cpu.Lanes.L;

import io.longstream.state.cache.CacheDtype;

/**
 * An f16 matrix in the panel layout of {@link F32Matrix}, 16 bits per element. Each column block of a
 * group is decoded once into a float tile (exactly: every f16 is a float) and multiplied from there.
 */
public final class F16Matrix extends PackedMatrix {
    private final short[] data;

    /** Supplies the f16 codes of rows [r0, r0 + count), row-major, into dst. */
    @FunctionalInterface
    public interface RowSource {
        void read(int r0, int count, short[] dst);
    }

    public F16Matrix(int rows, int cols, RowSource source) {
        super(rows, cols);
        int panels = paddedRows() / L;
        data = new short[Math.multiplyExact(panels, Math.multiplyExact(cols, L))];
        short[] block = new short[L * cols];
        for (int p = 0; p < panels && p * L < rows; p++) {
            int count = Math.min(L, rows - p * L);
            java.util.Arrays.fill(block, (short) 0);
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
        return 2;
    }

    @Override
    public void row(int r, float[] dst, int offset) {
        int base = (r / L) * cols * L + r % L;
        for (int k = 0; k < cols; k++) {
            dst[offset + k] = CacheDtype.f16ToFloat(data[base + k * L]);
        }
    }

    @Override
    protected float[] newTile() {
        return new float[PANELS * K_BLOCK * L];
    }

    @Override
    protected void accumulate(int g, int k0, int k1, float[] x, int n, float[] acc, float[] tile) {
        int kLen = k1 - k0;
        for (int p = 0; p < PANELS; p++) {
            int src = ((PANELS * g + p) * cols + k0) * L;
            int dst = p * kLen * L;
            for (int i = 0; i < kLen * L; i++) {
                tile[dst + i] = CacheDtype.f16ToFloat(data[src + i]);
            }
        }
        F32Panels.accumulate(tile, -k0 * L, kLen * L, k0, k1, x, cols, n, acc);
    }
}
