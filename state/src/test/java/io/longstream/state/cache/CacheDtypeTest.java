package io.longstream.state.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CacheDtypeTest {
    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 lies exactly between two bf16 values: ties go to the even mantissa (1.0)
        assertEquals(1.0f, CacheDtype.BF16.round(1f + 0x1p-8f));
        assertEquals(1f + 0x1p-6f, CacheDtype.BF16.round(1f + 0x1p-7f + 0x1p-8f));
        assertEquals(1f + 0x1p-7f, CacheDtype.BF16.round(1f + 0x1p-8f + 0x1p-12f));
        assertTrue(Float.isNaN(CacheDtype.BF16.round(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, CacheDtype.BF16.round(Float.POSITIVE_INFINITY));
    }

    @Test
    void f16MatchesIeeeHalfPrecisionAtTheEdges() {
        assertEquals(65504f, CacheDtype.F16.round(65504f));
        assertEquals(65504f, CacheDtype.F16.round(65519f));
        assertEquals(Float.POSITIVE_INFINITY, CacheDtype.F16.round(65520f));
        assertEquals(0x1p-24f, CacheDtype.F16.round(0x1p-24f), "smallest subnormal");
        assertEquals(0f, CacheDtype.F16.round(0x1p-26f));
        assertEquals(0x1p-14f, CacheDtype.F16.round(0x1p-14f), "smallest normal");
        assertEquals(-2.5f, CacheDtype.F16.round(-2.5f));
        assertEquals(1f, CacheDtype.F16.round(1f + 0x1p-11f), "tie to even");
        assertTrue(Float.isNaN(CacheDtype.F16.round(Float.NaN)));
    }

    @Test
    void everySixteenBitCodeRoundTrips() {
        for (CacheDtype d : new CacheDtype[] {CacheDtype.BF16, CacheDtype.F16}) {
            for (int code = 0; code < 65536; code++) {
                float v = d.decode16((short) code);
                if (!Float.isNaN(v)) {
                    assertEquals((short) code, d.encode16(v), d + " code " + code);
                }
            }
        }
    }

    @Test
    void roundingPicksTheNearestRepresentable() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            float x = (float) ((r.nextDouble() - 0.5) * Math.pow(2, r.nextInt(-20, 16)));
            for (CacheDtype d : new CacheDtype[] {CacheDtype.BF16, CacheDtype.F16}) {
                short code = d.encode16(x);
                float rounded = d.decode16(code);
                float below = d.decode16((short) (code - 1));
                float above = d.decode16((short) (code + 1));
                // a neighbouring code may be a NaN (past ±0 in sign-magnitude order): not a candidate
                assertTrue(!(Math.abs(below - x) < Math.abs(rounded - x)) && !(Math.abs(above - x) < Math.abs(rounded - x)),
                        d + " rounds " + x + " to " + rounded);
            }
        }
    }

    @Test
    void cacheKeepsEntriesRoundedAndRollsBackAnOverlay() {
        KvCache cache = new KvCache(2, 2, 4, CacheDtype.BF16);
        float[] k = {1.00390625f, 2f, 3f, 4f};
        float[] v = {0.1f, 0.2f, 0.3f, 0.4f};
        int first = cache.claimPositions(1);
        cache.head(1, 0).append(first, k, 0, v, 0);
        KvCache.Mark mark = cache.mark();
        cache.head(1, 0).append(cache.claimPositions(1), k, 0, v, 0);
        long revision = cache.head(1, 0).revision();
        cache.rollback(mark);
        assertEquals(1, cache.head(1, 0).size());
        assertEquals(1, cache.nextPosition());
        assertTrue(cache.head(1, 0).revision() > revision, "truncation must invalidate derived views");
        float[] out = new float[4];
        cache.head(1, 0).readValues(0, 1, out, 0);
        assertEquals(CacheDtype.BF16.round(0.1f), out[0]);
        cache.head(1, 0).readKeys(0, 1, out, 0);
        assertEquals(1f, out[0], "bf16 keeps 8 bits of mantissa: 1 + 2^-8 ties to 1");
    }
}
