package io.longstream.inference.memory;

import java.nio.charset.StandardCharsets;

/** The Contracts' seeds: Query.seed when set, else a 64-bit hash of (session id, query id); epicache's k-means seed, a hash of the session id. */
public final class QuerySeeds {
    private QuerySeeds() {
    }

    public static long seed(Long explicit, String sessionId, String queryId) {
        if (explicit != null) {
            return explicit;
        }
        return hash(sessionId + "\u0000" + queryId);
    }

    /** hash(session id), the seed of every k-means run of the session's episodes (kv-policies §6). */
    public static long clusteringSeed(String sessionId) {
        return hash(sessionId);
    }

    private static long hash(String text) {
        // FNV-1a, then a 64-bit finaliser to spread the bits
        long h = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }
}
