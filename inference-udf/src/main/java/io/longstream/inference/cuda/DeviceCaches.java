package io.longstream.inference.cuda;

import io.longstream.state.cache.KvCache;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The device caches of recently active sessions, within a byte bound: the least recently used ones leave the device
 * when a pass needs room (their next pass uploads them again from their host caches), and a session's device cache
 * is freed once its host cache is garbage. Callers hold the engine.
 */
final class DeviceCaches implements AutoCloseable {
    private final long boundBytes;
    private final Function<KvCache, DeviceCache> create;
    /** Access-ordered: the eldest entry is the least recently used. */
    private final LinkedHashMap<Key, DeviceCache> resident = new LinkedHashMap<>(16, 0.75f, true);
    private final ReferenceQueue<KvCache> collected = new ReferenceQueue<>();

    /** A host cache by identity, weakly. */
    private static final class Key extends WeakReference<KvCache> {
        private final int hash;

        Key(KvCache cache, ReferenceQueue<KvCache> queue) {
            super(cache, queue);
            this.hash = System.identityHashCode(cache);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o == this || (o instanceof Key && ((Key) o).get() != null && ((Key) o).get() == get());
        }
    }

    DeviceCaches(long boundBytes, Function<KvCache, DeviceCache> create) {
        this.boundBytes = boundBytes;
        this.create = create;
    }

    /** The device cache of {@code host}, created (empty: its first pass uploads it) when it has none. */
    DeviceCache of(KvCache host) {
        freeCollected();
        Key probe = new Key(host, null);
        DeviceCache cache = resident.get(probe);
        if (cache == null) {
            cache = create.apply(host);
            resident.put(new Key(host, collected), cache);
        }
        return cache;
    }

    /** Frees least recently used caches, never one of {@code inUse}, until the resident ones fit the bound. */
    void fit(Collection<DeviceCache> inUse) {
        Set<DeviceCache> keep = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        keep.addAll(inUse);
        long total = resident.values().stream().mapToLong(DeviceCache::bytes).sum();
        for (Iterator<Map.Entry<Key, DeviceCache>> it = resident.entrySet().iterator(); it.hasNext() && total > boundBytes; ) {
            Map.Entry<Key, DeviceCache> e = it.next();
            if (!keep.contains(e.getValue())) {
                total -= e.getValue().bytes();
                e.getValue().close();
                it.remove();
            }
        }
    }

    int residentCount() {
        return resident.size();
    }

    private void freeCollected() {
        for (Reference<? extends KvCache> r; (r = collected.poll()) != null; ) {
            DeviceCache gone = resident.remove(r);
            if (gone != null) {
                gone.close();
            }
        }
    }

    @Override
    public void close() {
        resident.values().forEach(DeviceCache::close);
        resident.clear();
    }
}
