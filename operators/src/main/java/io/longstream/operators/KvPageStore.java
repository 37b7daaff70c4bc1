package io.longstream.operators;

import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.KvPageCodec;
import java.util.BitSet;
import org.apache.flink.api.common.state.MapState;

/**
 * The session's KV pages in Flink MapState (RocksDB): page id = (layer·kvHeads + head) in the high
 * 32 bits, page index in the low ones. Only pages changed since the last save are written.
 */
final class KvPageStore {
    private final MapState<Long, byte[]> pages;

    KvPageStore(MapState<Long, byte[]> pages) {
        this.pages = pages;
    }

    static long pageId(int headIndex, int page) {
        return ((long) headIndex << 32) | page;
    }

    /** Writes every changed page (and drops pages past a shrunk head); returns how many were written. */
    int save(KvCache cache, int[] savedSlots) throws Exception {
        int written = 0;
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                int index = l * cache.kvHeads() + h;
                HeadCache head = cache.head(l, h);
                int pageCount = KvPageCodec.pages(head.slots());
                BitSet dirty = head.dirtyPages();
                for (int p = dirty.nextSetBit(0); p >= 0 && p < pageCount; p = dirty.nextSetBit(p + 1)) {
                    pages.put(pageId(index, p), KvPageCodec.encode(head, p));
                    written++;
                }
                for (int p = pageCount; p < KvPageCodec.pages(savedSlots[index]); p++) {
                    pages.remove(pageId(index, p));
                }
                savedSlots[index] = head.slots();
                head.markSaved();
            }
        }
        return written;
    }

    /** Rebuilds a cache from its pages, entries exactly as saved. */
    void restore(KvCache cache, int[] slots) throws Exception {
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                int index = l * cache.kvHeads() + h;
                HeadCache head = cache.head(l, h);
                for (int p = 0; p < KvPageCodec.pages(slots[index]); p++) {
                    byte[] bytes = pages.get(pageId(index, p));
                    if (bytes == null) {
                        throw new IllegalStateException("KV page " + p + " of layer " + l + " head " + h + " is missing from state");
                    }
                    KvPageCodec.decode(bytes, head, p);
                }
                head.markSaved();
            }
        }
    }

    void clear() {
        pages.clear();
    }
}
