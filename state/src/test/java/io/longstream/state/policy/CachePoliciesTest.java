package io.longstream.state.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import org.junit.jupiter.api.Test;

class CachePoliciesTest {
    @Test
    void fullKeepsEverythingWithTheConfiguredChunk() {
        CachePolicy full = CachePolicies.parse("full", 0);
        assertEquals("full", full.spec());
        assertEquals(512, full.effectiveChunk(512));
        assertNull(full.refusal(1_000_000, 1_000_000), "no budget, no refusal");
        KvCache cache = new KvCache(1, 1, 2, CacheDtype.F32);
        cache.claimPositions(3);
        for (int p = 0; p < 3; p++) {
            cache.head(0, 0).append(p, new float[] {p, p}, 0, new float[] {p, p}, 0);
        }
        assertEquals(0, full.compact(cache));
        assertEquals(3, cache.head(0, 0).size());
    }

    @Test
    void fullWithABudgetRefusesWhatWouldPassIt() {
        CachePolicy full = CachePolicies.parse("full", 100);
        assertEquals("full:budget=100", full.spec());
        assertNull(full.refusal(60, 40), "exactly the budget fits");
        assertEquals("budget exceeded: the full policy would hold 101 entries per layer and KV head, the budget is 100",
                full.refusal(60, 41));
    }

    @Test
    void aBadSpecFailsNamingWhatIsWrong() {
        assertEquals("unknown cache policy 'ladder' in 'ladder:x=1' (known: full)",
                assertThrows(IllegalArgumentException.class, () -> CachePolicies.parse("ladder:x=1", 10)).getMessage());
        assertEquals("policy full takes no parameters, got [start]",
                assertThrows(IllegalArgumentException.class, () -> CachePolicies.parse("full:start=4", 10)).getMessage());
        assertEquals("policy parameter 'start' in 'full:start' is not key=value",
                assertThrows(IllegalArgumentException.class, () -> CachePolicies.parse("full:start", 10)).getMessage());
        assertEquals("full: budget must be >= 0 (0 = unbounded), got -1",
                assertThrows(IllegalArgumentException.class, () -> CachePolicies.parse("full", -1)).getMessage());
    }
}
