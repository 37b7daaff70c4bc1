package io.longstream.operators;

import java.nio.charset.StandardCharsets;

/** The Contracts' seed: Query.seed when set, else a 64-bit hash of (session id, query id). */
public final class QuerySeeds {
    private QuerySeeds() {
    }

    public static long seed(Long explicit, String sessionId, String queryId) {
        if (explicit != null) {
            return explicit;
        }
        // FNV-1a over both ids with a separator, then a 64-bit finaliser to spread the bits
        long h = 0xcbf29ce484222325L;
        for (byte b : (sessionId + "\u0000" + queryId).getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }
}
