package io.longstream.state.policy;

import static io.longstream.state.policy.CacheContents.appendEverywhere;
import static io.longstream.state.policy.CacheContents.positionsOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.epicache.EpisodeBudget;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The kept-entries rule (kv-policies §1) over policies, budgets, chunks and model depths. */
class KeptEntriesTest {
    @Provide
    Arbitrary<String> policies() {
        return Arbitraries.of("full", "window", "sinks", "sinks:start=1", "lacache", "lacache:span=2,overlap=1", "lacache:span=4",
                "epicache", "epicache:level=pair-uniform,episodes=2", "epicache:prompt=600");
    }

    /**
     * The inverse: whenever a budget B attends in chunks of exactly C, the budget the rule gives for B's kept entries
     * keeps the same entries with the same chunk, and is B itself (one-cache policies: K = B − C) or smaller
     * (epicache, whose Pcap grows with B).
     */
    @Property(tries = 400, seed = "17")
    void theBudgetForASpecsKeptEntriesKeepsThemWithTheSameChunk(@ForAll("policies") String name, @ForAll @IntRange(min = 2, max = 9000) int budget,
                                                               @ForAll @IntRange(min = 1, max = 600) int chunk,
                                                               @ForAll @IntRange(min = 3, max = 32) int layers) {
        PolicySpec spec = PolicySpec.parse(name).withBudget(budget);
        KeptEntries.Sizing sizing;
        try {
            sizing = KeptEntries.of(spec, layers, chunk);
        } catch (IllegalArgumentException refused) {
            return;
        }
        assertEquals(budget, sizing.budget());
        if (sizing.chunk() != chunk || sizing.kept() < 1) {
            return;
        }
        PolicySpec equal = KeptEntries.budgetFor(spec, layers, chunk, sizing.kept());
        KeptEntries.Sizing again = KeptEntries.of(equal, layers, chunk);
        assertEquals(chunk, again.chunk(), equal.toString());
        assertEquals(sizing.kept(), again.kept(), equal.toString());
        if (spec.episodic()) {
            assertTrue(again.budget() <= budget, equal + " for " + spec);
        } else {
            assertEquals(spec, equal);
        }
    }

    /**
     * The rule's budget is the least: no smaller budget keeps K with chunk C; and when the rule finds none, K or C is
     * out of reach as the docs say (full: never; window and sinks: K >= C, past the sinks).
     */
    @Property(tries = 300, seed = "18")
    void theBudgetForKIsTheLeastThatKeepsK(@ForAll("policies") String name, @ForAll @IntRange(min = 1, max = 4000) int kept,
                                           @ForAll @IntRange(min = 1, max = 600) int chunk, @ForAll @IntRange(min = 3, max = 32) int layers) {
        PolicySpec spec = PolicySpec.parse(name);
        PolicySpec found;
        try {
            found = KeptEntries.budgetFor(spec, layers, chunk, kept);
        } catch (IllegalArgumentException none) {
            assertTrue(none.getMessage().contains("K = " + kept), none.getMessage());
            if (name.equals("full")) {
                throw new AssertionError("full keeps any K with B = K + C, yet: " + none.getMessage());
            }
            if (name.equals("window")) {
                assertTrue(kept < chunk, "c* = min(C, floor(B/2)) = C needs K >= C: " + none.getMessage());
            }
            if (name.startsWith("sinks")) {
                assertTrue(kept < chunk || kept <= spec.integer("start", RecencyPolicy.DEFAULT_START), none.getMessage());
            }
            return;
        }
        KeptEntries.Sizing sizing = KeptEntries.of(found, layers, chunk);
        assertEquals(chunk, sizing.chunk());
        assertEquals(kept, sizing.kept());
        for (int smaller = kept + chunk; smaller < found.budget(); smaller++) {
            try {
                KeptEntries.Sizing other = KeptEntries.of(spec.withBudget(smaller), layers, chunk);
                assertTrue(other.chunk() != chunk || other.kept() != kept, "B = " + smaller + " keeps K too, below " + found);
            } catch (IllegalArgumentException refused) {
                // a budget the policy refuses keeps nothing
            }
        }
        if (!spec.episodic()) {
            assertEquals(kept + chunk, found.budget(), "one-cache policies: B = K + C");
        } else {
            EpisodeBudget episode = EpisodeBudget.of(found.budget(), chunk, spec.integer("prompt", 0));
            assertEquals(found.budget() - chunk - episode.promptCap(), kept, "epicache: K = B − c* − Pcap");
        }
    }

    /**
     * K is what a one-cache policy's cache holds after compaction: fed chunks of C, every (layer, KV head) holds at most K
     * after each compaction and at most K + C while a chunk is attended; window and sinks hold exactly min(fed, K).
     */
    @Property(tries = 120, seed = "19")
    void aCompactedCacheHoldsTheKeptEntries(@ForAll("policies") String name, @ForAll @IntRange(min = 8, max = 300) int kept,
                                            @ForAll @IntRange(min = 1, max = 120) int chunk, @ForAll long seed) {
        if (name.startsWith("epicache") || name.equals("full")) {
            return; // epicache's caches need a model's scores (EpisodicInvariantsTest); full evicts nothing
        }
        int layers = 6;
        PolicySpec spec;
        try {
            spec = KeptEntries.budgetFor(PolicySpec.parse(name), layers, chunk, kept);
        } catch (IllegalArgumentException none) {
            return;
        }
        CachePolicy policy = CachePolicies.build(spec, layers, chunk);
        KvCache cache = new KvCache(layers, 2, 4, CacheDtype.BF16);
        SplittableRandom random = new SplittableRandom(seed);
        int fed = 0;
        for (int round = 0; round < 3 * (kept / chunk + 2); round++) {
            int first = cache.claimPositions(chunk);
            for (int i = 0; i < chunk; i++) {
                appendEverywhere(cache, first + i, random);
            }
            fed += chunk;
            assertTrue(cache.maxEntries() <= kept + chunk, spec + ": peak " + cache.maxEntries());
            policy.compact(cache);
            assertTrue(cache.maxEntries() <= kept, spec + ": kept " + cache.maxEntries() + " > K = " + kept);
            if (!name.startsWith("lacache")) {
                assertEquals(Math.min(fed, kept), positionsOf(cache, layers - 1, 1).size(), spec + " after " + fed + " tokens");
            }
        }
    }

    @Test
    void theIssuesExamplesAtOneBudgetKeepDifferentEntries() {
        // at B = 1024, C = 512: sinks keeps B − 512 = 512; epicache c* = 256, Pcap = 256: M = 512; with C = 128 they differ
        assertEquals(512, KeptEntries.of(PolicySpec.parse("sinks:budget=1024"), 16, 512).kept());
        assertEquals(1024 - 128, KeptEntries.of(PolicySpec.parse("sinks:budget=1024"), 16, 128).kept());
        assertEquals(1024 - 128 - 256, KeptEntries.of(PolicySpec.parse("epicache:budget=1024"), 16, 128).kept());
        // equal kept entries, one chunk: 896 for both
        assertEquals(1024, KeptEntries.budgetFor(PolicySpec.parse("sinks"), 16, 128, 896).budget());
        assertEquals(896 + 128 + 341, KeptEntries.budgetFor(PolicySpec.parse("epicache"), 16, 128, 896).budget());
        assertEquals(896 + 128 + 600, KeptEntries.budgetFor(PolicySpec.parse("epicache:prompt=600"), 16, 128, 896).budget(),
                "a given prompt cap is the whole of epicache's extra room");
        assertEquals(0, KeptEntries.of(PolicySpec.parse("full"), 16, 128).kept(), "full without a budget: unbounded");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KeptEntries.budgetFor(PolicySpec.parse("epicache"), 16, 512, 100));
        assertTrue(e.getMessage().startsWith("no budget makes epicache keep K = 100 entries with a chunk of C = 512"), e.getMessage());
    }
}
