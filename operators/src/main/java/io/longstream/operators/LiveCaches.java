package io.longstream.operators;

import io.longstream.state.cache.KvCache;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Deserialised caches of recently used sessions, least recently used first out, bounded in bytes.
 * RocksDB stays the truth: an entry is used only while it reflects the chunk count in state.
 */
final class LiveCaches {
    private final long maxBytes;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);

    private static final class Entry {
        final KvCache cache;
        long chunks;

        Entry(KvCache cache, long chunks) {
            this.cache = cache;
            this.chunks = chunks;
        }
    }

    LiveCaches(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The live cache of the session if it reflects {@code chunks} prefilled chunks, else null. */
    KvCache get(String session, long chunks) {
        Entry e = entries.get(session);
        return e != null && e.chunks == chunks ? e.cache : null;
    }

    /** Records that the session's cache now reflects {@code chunks} chunks, then trims to the byte bound. */
    void put(String session, KvCache cache, long chunks) {
        Entry e = entries.get(session);
        if (e != null && e.cache == cache) {
            e.chunks = chunks;
        } else {
            entries.put(session, new Entry(cache, chunks));
        }
        trim(session);
    }

    void remove(String session) {
        entries.remove(session);
    }

    /** Drops least recently used caches until the total fits, never the one just used. */
    private void trim(String keep) {
        long total = 0;
        for (Entry e : entries.values()) {
            total += e.cache.bytes();
        }
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (total > maxBytes && it.hasNext()) {
            Map.Entry<String, Entry> eldest = it.next();
            if (!eldest.getKey().equals(keep)) {
                total -= eldest.getValue().cache.bytes();
                it.remove();
            }
        }
    }
}
