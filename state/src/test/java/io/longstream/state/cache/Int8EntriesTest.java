package io.longstream.state.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Int8EntriesTest {
    @Test
    void eachEntryKeepsItsOwnScaleSoAnAppendNeverRescalesItsNeighbours() {
        HeadCache head = new HeadCache(4, CacheDtype.INT8, 2);
        float[] small = {0.01f, -0.02f, 0.005f, 0.0f};
        head.append(0, small, 0, small, 0);
        float[] before = new float[4];
        head.readKeys(0, 1, before, 0);
        float[] huge = {1000f, -250f, 3f, 0.5f};
        head.append(1, huge, 0, huge, 0);
        float[] after = new float[4];
        head.readKeys(0, 1, after, 0);
        assertArrayEquals(before, after);
        for (float[] v : new float[][] {small, huge}) {
            float scale = CacheDtype.int8Scale(v, 0, 4);
            float[] stored = new float[4];
            head.readValues(v == small ? 0 : 1, 1, stored, 0);
            for (int d = 0; d < 4; d++) {
                assertTrue(Math.abs(stored[d] - v[d]) <= scale / 2 * 1.0001f, "element " + d + ": " + stored[d] + " vs " + v[d]);
            }
        }
    }

    @Test
    void aZeroVectorStoresAsZeros() {
        HeadCache head = new HeadCache(3, CacheDtype.INT8, 1);
        float[] zero = new float[3];
        head.append(5, zero, 0, zero, 0);
        float[] out = {9, 9, 9};
        head.readKeys(0, 1, out, 0);
        assertArrayEquals(new float[3], out);
        assertEquals(4 + 2 * 3 + 8, HeadCache.entryBytes(3, CacheDtype.INT8), "position, bytes and two scales");
    }
}
