package io.longstream.operators;

import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.KvPageCodec;
import java.util.BitSet;
import org.apache.flink.api.common.state.MapState;

/**
 * The session's KV pages in Flink MapState (RocksDB): page id = cache index (epicache's episode; 0 for a
 * one-cache policy) in bits 48–62, (layer·kvHeads + head) in bits 32–47, page index in the low 32 bits.
 * Only pages changed since the last save are written. {@code slots} arrays hold the slots spanned per
 * (cache, layer, KV head): [cache·layers·kvHeads + layer·kvHeads + head].
 */
final class KvPageStore {
    private final MapState<Long, byte[]> pages;

    KvPageStore(MapState<Long, byte[]> pages) {
        this.pages = pages;
    }

    static long pageId(int cacheIndex, int headIndex, int page) {
        return ((long) cacheIndex << 48) | ((long) headIndex << 32) | page;
    }

    /**
     * Encodes every changed page of cache {@code cacheIndex} and hands its write (and the removal of pages past a shrunk
     * head) to {@code effects}; returns how many pages it writes.
     */
    int save(int cacheIndex, KvCache cache, int[] savedSlots, StepEffects effects) {
        int written = 0;
        int base = cacheIndex * cache.layers() * cache.kvHeads();
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                int head = l * cache.kvHeads() + h;
                int index = base + head;
                HeadCache entries = cache.head(l, h);
                int pageCount = KvPageCodec.pages(entries.slots());
                BitSet dirty = entries.dirtyPages();
                for (int p = dirty.nextSetBit(0); p >= 0 && p < pageCount; p = dirty.nextSetBit(p + 1)) {
                    long id = pageId(cacheIndex, head, p);
                    byte[] page = KvPageCodec.encode(entries, p);
                    effects.write(() -> pages.put(id, page));
                    written++;
                }
                for (int p = pageCount; p < KvPageCodec.pages(savedSlots[index]); p++) {
                    long id = pageId(cacheIndex, head, p);
                    effects.write(() -> pages.remove(id));
                }
                savedSlots[index] = entries.slots();
                entries.markSaved();
            }
        }
        return written;
    }

    /** Rebuilds cache {@code cacheIndex} from its pages, entries exactly as saved. */
    void restore(int cacheIndex, KvCache cache, int[] slots) throws Exception {
        int base = cacheIndex * cache.layers() * cache.kvHeads();
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) {
                int index = base + l * cache.kvHeads() + h;
                HeadCache head = cache.head(l, h);
                for (int p = 0; p < KvPageCodec.pages(slots[index]); p++) {
                    byte[] bytes = pages.get(pageId(cacheIndex, l * cache.kvHeads() + h, p));
                    if (bytes == null) {
                        throw new IllegalStateException("KV page " + p + " of cache " + cacheIndex + " layer " + l + " head " + h
                                + " is missing from state");
                    }
                    KvPageCodec.decode(bytes, head, p);
                }
                head.markSaved();
            }
        }
    }

    void clear(StepEffects effects) {
        effects.write(pages::clear);
    }
}
