package io.longstream.operators;

import io.longstream.inference.memory.SessionMemory;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Deserialised memories (caches) of recently used sessions, least recently used first out, bounded in
 * bytes. RocksDB stays the truth: an entry is used only while it reflects the revision in state.
 */
final class LiveCaches {
    private final long maxBytes;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);

    private static final class Entry {
        final SessionMemory memory;
        long revision;

        Entry(SessionMemory memory, long revision) {
            this.memory = memory;
            this.revision = revision;
        }
    }

    LiveCaches(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The live memory of the session if it reflects {@code revision} in state, else null. */
    SessionMemory get(String session, long revision) {
        Entry e = entries.get(session);
        return e != null && e.revision == revision ? e.memory : null;
    }

    /** Records that the session's memory now reflects {@code revision}, then trims to the byte bound. */
    void put(String session, SessionMemory memory, long revision) {
        Entry e = entries.get(session);
        if (e != null && e.memory == memory) {
            e.revision = revision;
        } else {
            entries.put(session, new Entry(memory, revision));
        }
        trim(session);
    }

    void remove(String session) {
        entries.remove(session);
    }

    /** Sessions whose memory is held. */
    int sessions() {
        return entries.size();
    }

    /** Bytes the memories held take. */
    long bytes() {
        long total = 0;
        for (Entry e : entries.values()) {
            total += e.memory.bytes();
        }
        return total;
    }

    /** Drops least recently used caches until the total fits, never the one just used. */
    private void trim(String keep) {
        long total = bytes();
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (total > maxBytes && it.hasNext()) {
            Map.Entry<String, Entry> eldest = it.next();
            if (!eldest.getKey().equals(keep)) {
                total -= eldest.getValue().memory.bytes();
                it.remove();
            }
        }
    }
}
