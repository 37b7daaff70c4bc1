package io.longstream.state.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KvPageCodecTest {
    private static final int HEAD_DIM = 16;

    @ParameterizedTest
    @EnumSource(CacheDtype.class)
    void pagesRoundTripEveryStoredBitAndEveryFreeSlot(CacheDtype dtype) {
        HeadCache original = randomHead(dtype, 150, 7);
        for (int slot : new int[] {0, 5, 64, 100, 149}) {
            original.evict(slot);
        }
        HeadCache restored = new HeadCache(HEAD_DIM, dtype, 1);
        for (int page = 0; page < KvPageCodec.pages(original.slots()); page++) {
            KvPageCodec.decode(KvPageCodec.encode(original, page), restored, page);
        }
        assertSameEntries(original, restored);
        assertEquals(145, restored.size());
        float[] k = new float[HEAD_DIM];
        assertEquals(original.append(1000, k, 0, k, 0), restored.append(1000, k, 0, k, 0), "the same free slot is reused");
    }

    @ParameterizedTest
    @EnumSource(CacheDtype.class)
    void onlyPagesAnAppendOrEvictionTouchedNeedWriting(CacheDtype dtype) {
        HeadCache head = randomHead(dtype, 130, 3);
        head.markSaved();
        assertEquals(new BitSet(), head.dirtyPages(), "nothing changed since the save");
        float[] k = new float[HEAD_DIM];
        head.append(500, k, 0, k, 0);
        assertEquals(BitSet.valueOf(new long[] {0b100}), head.dirtyPages(), "only the third page changed");
        head.markSaved();
        head.evict(70);
        assertEquals(BitSet.valueOf(new long[] {0b10}), head.dirtyPages(), "an eviction rewrites its page");
        head.markSaved();
        assertEquals(70, head.append(501, k, 0, k, 0), "the freed slot is reused");
        assertEquals(BitSet.valueOf(new long[] {0b10}), head.dirtyPages());
    }

    @ParameterizedTest
    @EnumSource(CacheDtype.class)
    void aCacheCopyHoldsEveryEntryBitForBitAndCountsEveryPageAsUnsaved(CacheDtype dtype) {
        KvCache cache = new KvCache(1, 1, HEAD_DIM, dtype);
        float[] k = new float[HEAD_DIM];
        SplittableRandom random = new SplittableRandom(11);
        for (int p = 0; p < 140; p++) {
            for (int d = 0; d < HEAD_DIM; d++) {
                k[d] = (float) random.nextGaussian();
            }
            cache.head(0, 0).append(p, k, 0, k, 0);
        }
        cache.head(0, 0).evict(9);
        cache.head(0, 0).markSaved();
        KvCache copy = cache.copy();
        assertSameEntries(cache.head(0, 0), copy.head(0, 0));
        assertEquals(BitSet.valueOf(new long[] {0b111}), copy.head(0, 0).dirtyPages(), "a copy is in no store yet");
        assertEquals(new BitSet(), cache.head(0, 0).dirtyPages(), "the original is untouched");
    }

    @ParameterizedTest
    @EnumSource(CacheDtype.class)
    void aRollbackRestoresSlotsFreeSetAndDirtyPages(CacheDtype dtype) {
        HeadCache head = randomHead(dtype, 70, 5);
        head.evict(3);
        head.markSaved();
        HeadCache before = copy(head);
        HeadCache.Mark mark = head.mark();
        float[] k = new float[HEAD_DIM];
        head.append(900, k, 0, k, 0);
        head.append(901, k, 0, k, 0);
        head.rollback(mark);
        assertSameEntries(before, head);
        assertEquals(new BitSet(), head.dirtyPages());
        assertEquals(3, head.append(902, k, 0, k, 0), "the free slot is free again");
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

    private static HeadCache copy(HeadCache head) {
        HeadCache c = new HeadCache(HEAD_DIM, head.dtype(), 1);
        for (int page = 0; page < KvPageCodec.pages(head.slots()); page++) {
            KvPageCodec.decode(KvPageCodec.encode(head, page), c, page);
        }
        return c;
    }

    private static void assertSameEntries(HeadCache a, HeadCache b) {
        assertEquals(a.size(), b.size());
        assertEquals(a.slots(), b.slots());
        float[] x = new float[a.slots() * HEAD_DIM];
        float[] y = new float[b.slots() * HEAD_DIM];
        for (int slot = 0; slot < a.slots(); slot++) {
            assertEquals(a.position(slot), b.position(slot));
        }
        a.readKeys(0, a.slots(), x, 0);
        b.readKeys(0, b.slots(), y, 0);
        assertArrayEquals(x, y);
        a.readValues(0, a.slots(), x, 0);
        b.readValues(0, b.slots(), y, 0);
        assertArrayEquals(x, y);
    }
}
