package io.longstream.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.KvPageCodec;

/** A cache restored from its pages as the operator restores one from RocksDB, and page-for-page comparison. */
public final class CachePages {
    private CachePages() {
    }

    /** A new cache holding what {@code saved}'s pages hold: every page encoded, decoded into fresh heads, in order. */
    public static KvCache restore(KvCache saved) {
        KvCache restored = new KvCache(saved.layers(), saved.kvHeads(), saved.headDim(), saved.dtype());
        for (int l = 0; l < saved.layers(); l++) {
            for (int h = 0; h < saved.kvHeads(); h++) {
                for (int page = 0; page < KvPageCodec.pages(saved.head(l, h).slots()); page++) {
                    KvPageCodec.decode(KvPageCodec.encode(saved.head(l, h), page), restored.head(l, h), page);
                }
            }
        }
        restored.restoreNextPosition(saved.nextPosition());
        restored.setRopeMode(saved.ropeMode());
        return restored;
    }

    /** Same next position, slots and page bytes in every (layer, KV head). */
    public static void assertSamePages(KvCache expected, KvCache actual, String context) {
        assertEquals(expected.nextPosition(), actual.nextPosition(), context + ": next position");
        for (int l = 0; l < expected.layers(); l++) {
            for (int h = 0; h < expected.kvHeads(); h++) {
                assertEquals(expected.head(l, h).slots(), actual.head(l, h).slots(), context + " layer " + l + " head " + h + ": slots");
                for (int page = 0; page < KvPageCodec.pages(expected.head(l, h).slots()); page++) {
                    assertArrayEquals(KvPageCodec.encode(expected.head(l, h), page), KvPageCodec.encode(actual.head(l, h), page),
                            context + " layer " + l + " head " + h + " page " + page);
                }
            }
        }
    }
}
