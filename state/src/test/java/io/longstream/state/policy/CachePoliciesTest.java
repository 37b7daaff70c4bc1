package io.longstream.state.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.RopeMode;
import io.longstream.state.policy.epicache.EpisodeSettings;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CachePoliciesTest {
    @Test
    void fullKeepsEverythingWithTheConfiguredChunk() {
        CachePolicy full = CachePolicies.build(PolicySpec.parse("full").withDefaultBudget(0), 2, 512);
        assertEquals("full", full.spec());
        assertEquals(512, full.chunk());
        assertEquals(RopeMode.ORIGINAL, full.ropeMode());
        assertNull(full.refusal(1_000_000, 1_000_000), "no budget, no refusal");
        KvCache cache = filled(2, 3);
        assertEquals(0, full.compact(cache));
        assertEquals(3, cache.head(0, 0).size());
    }

    @Test
    void fullWithABudgetRefusesWhatWouldPassIt() {
        CachePolicy full = CachePolicies.build(PolicySpec.parse("full").withDefaultBudget(100), 2, 512);
        assertEquals("full:budget=100", full.spec());
        assertNull(full.refusal(60, 40), "exactly the budget fits");
        assertEquals("budget exceeded: the full policy would hold 101 entries per layer and KV head, the budget is 100",
                full.refusal(60, 41));
    }

    @Test
    void sinksKeepTheFirstStartAndTheMostRecentUpToTheTarget() {
        CachePolicy sinks = CachePolicies.build(PolicySpec.parse("sinks").withDefaultBudget(20), 2, 512);
        assertEquals(10, sinks.chunk(), "c* = min(C, floor(B/2))");
        assertEquals(RopeMode.RANK, sinks.ropeMode());
        KvCache cache = filled(2, 25);
        assertEquals(2 * 2 * 15, sinks.compact(cache));
        assertEquals(List.of(0, 1, 2, 3, 19, 20, 21, 22, 23, 24), positions(cache.head(1, 1)), "T = 20 - 10 = 10");
    }

    @Test
    void windowKeepsOnlyTheMostRecent() {
        CachePolicy window = CachePolicies.build(PolicySpec.parse("window").withDefaultBudget(8), 2, 3);
        assertEquals(3, window.chunk());
        KvCache cache = filled(2, 9);
        window.compact(cache);
        assertEquals(List.of(4, 5, 6, 7, 8), positions(cache.head(0, 0)), "T = 8 - 3");
    }

    @Test
    void lacacheBuildsALadderAcrossLayersAndThinsItWhenFull() {
        // L = 4: S = 2, O = 0 ⇒ G = 2, A = 1, R = 1; phase φ(l) = l mod 2
        CachePolicy lacache = CachePolicies.build(PolicySpec.parse("lacache:start=1").withDefaultBudget(16), 4, 4);
        assertEquals("lacache:span=2,overlap=0,start=1,budget=16", lacache.spec());
        // c* = largest c <= 4 with floor((16 - c - 1 - 4)/1)*1 >= c
        assertEquals(4, lacache.chunk());
        KvCache cache = filled(4, 16);
        lacache.compact(cache);
        // n = 16, T = 12, need 4: four groups of two from the cursor (1); even layers keep the first of each pair
        assertEquals(List.of(0, 1, 3, 5, 7, 9, 10, 11, 12, 13, 14, 15), positions(cache.head(0, 0)));
        assertEquals(List.of(0, 2, 4, 6, 8, 9, 10, 11, 12, 13, 14, 15), positions(cache.head(1, 0)));
        assertEquals(positions(cache.head(0, 0)), positions(cache.head(2, 1)), "all heads of a layer keep the same positions");
        assertEquals(5L, lacache.state()[0], "the cursor moved past the thinned groups");
    }

    @Test
    void configurationsTheSpecRefusesAreRefusedNamingTheirParameters() {
        assertEquals("lacache needs 0 <= overlap < span < layers and start >= 0, got overlap O=0, span S=4, layers L=4, start=4",
                assertThrows(IllegalArgumentException.class, () -> CachePolicies.build(PolicySpec.parse("lacache:span=4").withDefaultBudget(64), 4, 16)).getMessage());
        assertEquals("lacache: no chunk fits budget B=9 with S=2, O=0, L=4 and start 4 (needs floor((B - c - start - L)/A)*R >= c for some c >= 1)",
                assertThrows(IllegalArgumentException.class, () -> CachePolicies.build(PolicySpec.parse("lacache").withDefaultBudget(9), 4, 16)).getMessage());
        assertEquals("sinks:start=4,budget=8 with chunk 4 keeps T = B - c* = 4 entries, which leaves no room past the 4 sinks: raise the budget",
                assertThrows(IllegalArgumentException.class, () -> CachePolicies.build(PolicySpec.parse("sinks").withDefaultBudget(8), 2, 16)).getMessage());
        assertEquals("window needs a budget (--budget B) of at least 2 entries, got 0",
                assertThrows(IllegalArgumentException.class, () -> CachePolicies.build(PolicySpec.parse("window").withDefaultBudget(0), 2, 16)).getMessage());
    }

    @Test
    void aBadSpecFailsNamingWhatIsWrong() {
        assertEquals("unknown cache policy 'ladder' in 'ladder:x=1' (known: full, window, sinks, lacache, epicache)",
                assertThrows(IllegalArgumentException.class, () -> PolicySpec.parse("ladder:x=1")).getMessage());
        assertEquals("policy full has no parameter start (in 'full:start=4'; it has [budget])",
                assertThrows(IllegalArgumentException.class, () -> PolicySpec.parse("full:start=4")).getMessage());
        assertEquals("policy parameter 'start' in 'sinks:start' is not key=value",
                assertThrows(IllegalArgumentException.class, () -> PolicySpec.parse("sinks:start")).getMessage());
        assertEquals("policy parameter start in 'sinks:start=x' must be an integer, got 'x'",
                assertThrows(IllegalArgumentException.class, () -> PolicySpec.parse("sinks:start=x")).getMessage());
        assertEquals("full: budget must be >= 0 (0 = unbounded), got -1",
                assertThrows(IllegalArgumentException.class, () -> CachePolicies.build(PolicySpec.parse("full").withDefaultBudget(-1), 2, 16)).getMessage());
    }

    @Test
    void anEpicacheSpecTakesTheSpecsDefaultsAndNamesWhatItRefuses() {
        EpisodeSettings defaults = CachePolicies.episodeSettings(PolicySpec.parse("epicache").withDefaultBudget(1024), 512);
        assertEquals("epicache:episodes=4,utterances=4,medoids=8,level=pair,alpha=1.1,budget=1024", defaults.spec());
        // c* = min(C, B/4) = 256, Pcap = min(512, B/4) = 256, M = B - c* - Pcap
        assertEquals(256, defaults.budget().chunk());
        assertEquals(512, defaults.budget().retained());
        EpisodeSettings custom = CachePolicies.episodeSettings(PolicySpec.parse("epicache:episodes=2,level=pair-uniform,alpha=0,budget=64").withDefaultBudget(1024), 8);
        assertEquals("epicache:episodes=2,utterances=4,medoids=8,level=pair-uniform,alpha=0.0,budget=64", custom.spec());
        assertEquals(custom.spec(), CachePolicies.episodeSettings(PolicySpec.parse(custom.spec()).withDefaultBudget(7), 8).spec(), "the canonical spec reads back as itself");
        assertEquals("epicache needs a budget B > 0 per episode (--budget or budget=), got 0",
                assertThrows(IllegalArgumentException.class, () -> CachePolicies.episodeSettings(PolicySpec.parse("epicache").withDefaultBudget(0), 512)).getMessage());
        assertEquals("epicache level must be pair or pair-uniform, got 'head' (in 'epicache:level=head,budget=64')",
                assertThrows(IllegalArgumentException.class, () -> CachePolicies.episodeSettings(PolicySpec.parse("epicache:level=head").withDefaultBudget(64), 8)).getMessage());
        assertEquals("epicache episodes must be in 1..1024, got 0 (in 'epicache:episodes=0,budget=64')",
                assertThrows(IllegalArgumentException.class, () -> CachePolicies.episodeSettings(PolicySpec.parse("epicache:episodes=0").withDefaultBudget(64), 8)).getMessage());
        assertEquals("policy epicache has no parameter start (in 'epicache:start=4'; it has [episodes, utterances, medoids, level, alpha, prompt, budget])",
                assertThrows(IllegalArgumentException.class, () -> PolicySpec.parse("epicache:start=4")).getMessage());
        assertEquals("epicache needs M = B - c* - Pcap >= 1, got B = 64, c* = 8, Pcap = 56 (in 'epicache:prompt=56,budget=64')",
                assertThrows(IllegalArgumentException.class, () -> CachePolicies.episodeSettings(PolicySpec.parse("epicache:prompt=56").withDefaultBudget(64), 8)).getMessage());
        assertEquals(40, CachePolicies.episodeSettings(PolicySpec.parse("epicache:prompt=40,budget=64"), 8).budget().promptCap());
        assertTrue(PolicySpec.parse(" epicache:alpha=0").episodic());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CachePolicies.build(PolicySpec.parse("epicache").withDefaultBudget(64), 2, 8)).getMessage()
                .startsWith("epicache keeps a cache per episode"));
    }

    @Test
    void aSpecIsParsedOnceIntoOneCanonicalSpelling() {
        PolicySpec spec = PolicySpec.parse(" sinks:budget=064, start=2 ");
        assertEquals("sinks:start=2,budget=64", spec.toString(), "the policy's order, integers without padding");
        assertEquals(spec, PolicySpec.parse(spec.toString()));
        assertEquals(spec.hashCode(), PolicySpec.parse("sinks:start=2,budget=64").hashCode());
        assertEquals(64, spec.budget());
        assertEquals(0, PolicySpec.parse("full").budget(), "no budget: unbounded");
        assertEquals("epicache:alpha=0.0", PolicySpec.parse("epicache:alpha=0").toString());
        assertEquals("policy parameter alpha in 'epicache:alpha=x' must be a number, got 'x'",
                assertThrows(IllegalArgumentException.class, () -> PolicySpec.parse("epicache:alpha=x")).getMessage());
        assertEquals("policy parameter start is given twice in 'sinks:start=1,start=2'",
                assertThrows(IllegalArgumentException.class, () -> PolicySpec.parse("sinks:start=1,start=2")).getMessage());
    }

    @Test
    void theDefaultBudgetFillsInOnlyWhatTheSpecLeavesOut() {
        assertEquals("lacache:span=2,budget=300", PolicySpec.parse("lacache:span=2").withDefaultBudget(300).toString());
        assertEquals("lacache:budget=256", PolicySpec.parse("lacache:budget=256").withDefaultBudget(300).toString());
        assertEquals("full", PolicySpec.parse("full").withDefaultBudget(0).toString(), "0 = unbounded adds nothing");
    }

    @Test
    void aBudgetInTheSpecOverridesTheJobsBudget() {
        assertEquals("sinks:start=2,budget=64", CachePolicies.build(PolicySpec.parse("sinks:start=2,budget=64").withDefaultBudget(1000), 2, 16).spec());
    }

    /** A cache of {@code layers} layers and 2 KV heads holding positions 0..n-1. */
    private static KvCache filled(int layers, int n) {
        KvCache cache = new KvCache(layers, 2, 2, CacheDtype.F32);
        cache.claimPositions(n);
        for (int p = 0; p < n; p++) {
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < 2; h++) {
                    cache.head(l, h).append(p, new float[] {p, p}, 0, new float[] {p, p}, 0);
                }
            }
        }
        return cache;
    }

    private static List<Integer> positions(HeadCache head) {
        List<Integer> out = new ArrayList<>();
        for (int slot : head.slotsByPosition()) {
            out.add(head.position(slot));
        }
        return out;
    }
}
