package io.longstream.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.longstream.state.cache.CacheDtype;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packed kernels against the contract of {@link PackedMatrix}: every output is one fused multiply-add chain
 * over k in order from 0, so a scalar {@link Math#fma} loop over the decoded weights must give the same bits,
 * for decode (one token, two groups fused) and prefill (blocks of four tokens and a remainder) alike, whatever
 * the thread count. Row counts cover part of a panel, an odd number of groups and whole quads.
 */
class PackedMatrixTest {
    private static final int[] ROWS = {1, 17, 64, 65, 128, 200, 333};
    private static final int[] COLS = {1, 7, 129, 300};
    private static final int[] TOKENS = {1, 3, 4, 9};

    enum Dtype { BF16, F16, F32 }

    static Stream<Arguments> shapes() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (Dtype d : Dtype.values()) {
            for (int rows : ROWS) {
                for (int cols : COLS) {
                    b.add(Arguments.of(d, rows, cols));
                }
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("shapes")
    void everyOutputIsTheScalarFmaChainOverItsRow(Dtype dtype, int rows, int cols) {
        SplittableRandom random = new SplittableRandom(31L * rows + cols);
        float[][] w = new float[rows][cols];
        PackedMatrix m = matrix(dtype, w, random);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            m.row(r, row, 0);
            for (int k = 0; k < cols; k++) {
                assertEquals(w[r][k], row[k], "row " + r + " column " + k);
            }
        }
        for (int threads : new int[] {1, 2, 3}) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                for (int n : TOKENS) {
                    float[] x = new float[n * cols];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) random.nextDouble(-1, 1);
                    }
                    float[] y = new float[n * rows];
                    m.multiply(x, n, y, pool);
                    for (int t = 0; t < n; t++) {
                        for (int r = 0; r < rows; r++) {
                            float expected = 0f;
                            for (int k = 0; k < cols; k++) {
                                expected = Math.fma(w[r][k], x[t * cols + k], expected);
                            }
                            if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(y[t * rows + r])) {
                                assertEquals(expected, y[t * rows + r], threads + " threads, " + n + " tokens: y[" + t + "][" + r + "]");
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dtypes")
    void productsOfSeveralMatricesInOneLoopEqualTheirSeparateProducts(Dtype dtype) {
        SplittableRandom random = new SplittableRandom(7);
        int cols = 96;
        PackedMatrix[] ms = {
            matrix(dtype, new float[320][cols], random), matrix(dtype, new float[64][cols], random),
            matrix(dtype, new float[65][cols], random)};
        try (WorkerPool pool = new WorkerPool(2)) {
            for (int n : TOKENS) {
                float[] x = new float[n * cols];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextDouble(-1, 1);
                }
                float[][] together = new float[ms.length][];
                for (int i = 0; i < ms.length; i++) {
                    together[i] = new float[n * ms[i].rows()];
                }
                PackedMatrix.multiplyAll(ms, x, n, together, pool);
                for (int i = 0; i < ms.length; i++) {
                    float[] alone = new float[n * ms[i].rows()];
                    ms[i].multiply(x, n, alone, pool);
                    for (int j = 0; j < alone.length; j++) {
                        assertEquals(Float.floatToRawIntBits(alone[j]), Float.floatToRawIntBits(together[i][j]),
                                "matrix " + i + ", " + n + " tokens, output " + j);
                    }
                }
            }
        }
    }

    /**
     * Batch invariance at the kernel: for every row count 1..40 (blocks of four tokens, every remainder, up to ten blocks), a
     * batch of rows drawn at random from a pool, repeats and any order allowed, gives each row the bits it has when
     * multiplied alone (the decode path), whatever the thread count. 300 columns span a full and a partial column block.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dtypes")
    void everyRowOfABatchHasTheBitsOfThatRowAlone(Dtype dtype) {
        SplittableRandom random = new SplittableRandom(dtype.ordinal() + 101);
        int rows = 333;
        int cols = 300;
        int pool = 40;
        PackedMatrix m = matrix(dtype, new float[rows][cols], random);
        float[] x = new float[pool * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        float[][] alone = new float[pool][rows];
        try (WorkerPool one = new WorkerPool(1)) {
            for (int j = 0; j < pool; j++) {
                m.multiply(Arrays.copyOfRange(x, j * cols, (j + 1) * cols), 1, alone[j], one);
            }
        }
        for (int n = 1; n <= 40; n++) {
            int[] picks = new int[n];
            float[] batch = new float[n * cols];
            for (int t = 0; t < n; t++) {
                picks[t] = random.nextInt(pool);
                System.arraycopy(x, picks[t] * cols, batch, t * cols, cols);
            }
            float[] y = new float[n * rows];
            try (WorkerPool threads = new WorkerPool(2 + n % 2)) {
                m.multiply(batch, n, y, threads);
            }
            for (int t = 0; t < n; t++) {
                for (int r = 0; r < rows; r++) {
                    if (Float.floatToRawIntBits(alone[picks[t]][r]) != Float.floatToRawIntBits(y[t * rows + r])) {
                        assertEquals(alone[picks[t]][r], y[t * rows + r], n + " rows: row " + t + " (pool row " + picks[t] + "), output " + r);
                    }
                }
            }
        }
    }

    static Stream<Dtype> dtypes() {
        return Stream.of(Dtype.values());
    }

    /** A matrix of random weights exactly representable in dtype; w receives them as floats. */
    private static PackedMatrix matrix(Dtype dtype, float[][] w, SplittableRandom random) {
        int rows = w.length;
        int cols = rows == 0 ? 0 : w[0].length;
        short[][] codes = new short[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) {
                float v = (float) random.nextDouble(-2, 2);
                switch (dtype) {
                    case BF16:
                        codes[r][k] = CacheDtype.floatToBf16(v);
                        w[r][k] = CacheDtype.bf16ToFloat(codes[r][k]);
                        break;
                    case F16:
                        codes[r][k] = CacheDtype.floatToF16(v);
                        w[r][k] = CacheDtype.f16ToFloat(codes[r][k]);
                        break;
                    default:
                        w[r][k] = v;
                }
            }
        }
        switch (dtype) {
            case BF16:
                return new Bf16Matrix(rows, cols, (r0, count, dst) -> copyCodes(codes, r0, count, dst));
            case F16:
                return new F16Matrix(rows, cols, (r0, count, dst) -> copyCodes(codes, r0, count, dst));
            default:
                return new F32Matrix(rows, cols, (r0, count, dst) -> {
                    for (int i = 0; i < count; i++) {
                        System.arraycopy(w[r0 + i], 0, dst, i * cols, cols);
                    }
                });
        }
    }

    private static void copyCodes(short[][] codes, int r0, int count, short[] dst) {
        int cols = codes[0].length;
        for (int i = 0; i < count; i++) {
            System.arraycopy(codes[r0 + i], 0, dst, i * cols, cols);
        }
    }
}
