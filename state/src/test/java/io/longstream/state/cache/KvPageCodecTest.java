package io.longstream.state.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KvPageCodecTest {
    private static final int HEAD_DIM = 16;

    @ParameterizedTest
    @EnumSource(CacheDtype.class)
    void pagesRoundTripEveryStoredBit(CacheDtype dtype) {
        HeadCache original = randomHead(dtype, 150, 7);
        HeadCache restored = new HeadCache(HEAD_DIM, dtype, 1);
        for (int page = 0; page < KvPageCodec.pages(original.size()); page++) {
            KvPageCodec.decode(KvPageCodec.encode(original, page), restored, page);
        }
        assertSameEntries(original, restored);
    }

    @ParameterizedTest
    @EnumSource(CacheDtype.class)
    void onlyPagesFromTheLowestChangedSlotNeedWriting(CacheDtype dtype) {
        HeadCache head = randomHead(dtype, 130, 3);
        head.markSaved();
        assertEquals(130, head.lowestUnsavedSlot(), "nothing changed since the save");
        float[] k = new float[HEAD_DIM];
        head.append(130, k, 0, k, 0);
        assertEquals(2, head.lowestUnsavedSlot() / KvPageCodec.SLOTS_PER_PAGE, "only the third page changed");
        head.markSaved();
        head.truncate(100);
        assertEquals(1, head.lowestUnsavedSlot() / KvPageCodec.SLOTS_PER_PAGE, "a truncation rewrites the page it cuts");
    }

    @ParameterizedTest
    @EnumSource(CacheDtype.class)
    void aPageOfAnotherShapeOrCorruptBytesIsRefused(CacheDtype dtype) {
        byte[] page = KvPageCodec.encode(randomHead(dtype, 10, 1), 0);
        assertThrows(IllegalArgumentException.class, () -> KvPageCodec.decode(page, new HeadCache(8, dtype, 1), 0));
        byte[] cut = java.util.Arrays.copyOf(page, page.length - 1);
        assertThrows(IllegalArgumentException.class, () -> KvPageCodec.decode(cut, new HeadCache(HEAD_DIM, dtype, 1), 0));
        assertThrows(IllegalArgumentException.class, () -> KvPageCodec.decode(page, new HeadCache(HEAD_DIM, dtype, 1), 1));
    }

    private static HeadCache randomHead(CacheDtype dtype, int entries, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        HeadCache head = new HeadCache(HEAD_DIM, dtype, 4);
        float[] k = new float[HEAD_DIM];
        float[] v = new float[HEAD_DIM];
        for (int i = 0; i < entries; i++) {
            for (int d = 0; d < HEAD_DIM; d++) {
                k[d] = (float) r.nextGaussian();
                v[d] = (float) r.nextGaussian();
            }
            head.append(3 * i + 1, k, 0, v, 0);
        }
        return head;
    }

    private static void assertSameEntries(HeadCache a, HeadCache b) {
        assertEquals(a.size(), b.size());
        float[] x = new float[a.size() * HEAD_DIM];
        float[] y = new float[b.size() * HEAD_DIM];
        for (int slot = 0; slot < a.size(); slot++) {
            assertEquals(a.position(slot), b.position(slot));
        }
        a.readKeys(0, a.size(), x, 0);
        b.readKeys(0, b.size(), y, 0);
        assertArrayEquals(x, y);
        a.readValues(0, a.size(), x, 0);
        b.readValues(0, b.size(), y, 0);
        assertArrayEquals(x, y);
    }
}
