package io.longstream.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Fixtures;
import io.longstream.inference.LoadedModels;
import io.longstream.inference.Model;
import io.longstream.inference.epicache.EpicacheMemory;
import io.longstream.inference.epicache.TopicConversation;
import io.longstream.inference.epicache.TopicEncoder;
import io.longstream.inference.eval.StreamingPerplexity;
import io.longstream.inference.memory.SessionMemories;
import io.longstream.inference.memory.SessionMemory;
import io.longstream.inference.text.TokenStream;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.HeadCache;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.CachePolicies;
import io.longstream.state.policy.PolicySpec;
import io.longstream.state.policy.epicache.EpisodeSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Sessions under a cache policy on the GPU: within their bounds, and what the CPU keeps, up to the dtype's rounding. */
@ExtendWith(RequiresGpu.class)
class CudaPoliciesTest {
    private static final String MODEL = "llama-tiny-f32";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sinks:budget=96", "lacache:budget=96", "window:budget=96"})
    void aStreamUnderAPolicyKeepsItsBoundAndTheCpusPerplexity(String spec) {
        Model gpu = Gpu.model(MODEL);
        Model cpu = LoadedModels.get(MODEL, 2);
        SplittableRandom random = new SplittableRandom(96);
        List<int[]> streams = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            int[] stream = new int[1500];
            for (int i = 0; i < stream.length; i++) {
                stream[i] = random.nextInt(gpu.config().vocab);
            }
            streams.add(stream);
        }
        PolicySpec policy = PolicySpec.parse(spec);
        SessionMemories onGpu = new SessionMemories(gpu, policy, 512, CacheDtype.BF16);
        SessionMemories onCpu = new SessionMemories(cpu, policy, 512, CacheDtype.BF16);
        List<SessionMemory> gpuMemories = new ArrayList<>();
        List<SessionMemory> cpuMemories = new ArrayList<>();
        StreamingPerplexity.Result g = new StreamingPerplexity(gpu.config().vocab).run(streams, i -> remember(gpuMemories, onGpu.create("s" + i)));
        StreamingPerplexity.Result c = new StreamingPerplexity(cpu.config().vocab).run(streams, i -> remember(cpuMemories, onCpu.create("s" + i)));
        System.out.printf("%s: perplexity %.6f on the GPU, %.6f on the CPU; most entries %d%n", spec, g.ppl, c.ppl, g.maxCacheEntries);
        assertTrue(g.maxCacheEntries <= 96, spec + " held " + g.maxCacheEntries + " entries");
        assertEquals(c.maxCacheEntries, g.maxCacheEntries, "the same entries at the peak");
        assertEquals(c.ppl, g.ppl, 1e-3 * c.ppl, spec + ": the GPU's perplexity differs from the CPU's");
        for (int s = 0; s < streams.size(); s++) {
            assertSamePagesUpToRounding(spec + " session " + s, gpuMemories.get(s).cache(0), cpuMemories.get(s).cache(0));
        }
    }

    private static SessionMemory remember(List<SessionMemory> memories, SessionMemory memory) {
        memories.add(memory);
        return memory;
    }

    /**
     * The same positions kept, and each stored value within one rounding step of the cache dtype plus the products'
     * rounding, 1e-5 of its vector's largest element: the two backends' f32 values differ by the products' rounding,
     * which is relative to the vector, not to a small element of it, then each rounds once to the dtype.
     */
    static void assertSamePagesUpToRounding(String what, KvCache gpu, KvCache cpu) {
        long values = 0;
        long equal = 0;
        for (int l = 0; l < gpu.layers(); l++) {
            for (int h = 0; h < gpu.kvHeads(); h++) {
                HeadCache a = gpu.head(l, h);
                HeadCache b = cpu.head(l, h);
                Map<Integer, Integer> slotsOfB = new HashMap<>();
                for (int slot = 0; slot < b.slots(); slot++) {
                    if (b.position(slot) != HeadCache.FREE) {
                        slotsOfB.put(b.position(slot), slot);
                    }
                }
                assertEquals(slotsOfB.keySet(), positions(a), what + ": positions of layer " + l + " head " + h);
                float[] x = new float[a.headDim()];
                float[] y = new float[a.headDim()];
                for (int slot = 0; slot < a.slots(); slot++) {
                    if (a.position(slot) == HeadCache.FREE) {
                        continue;
                    }
                    int other = slotsOfB.get(a.position(slot));
                    for (int part = 0; part < 2; part++) {
                        if (part == 0) {
                            a.readKeys(slot, 1, x, 0);
                            b.readKeys(other, 1, y, 0);
                        } else {
                            a.readValues(slot, 1, x, 0);
                            b.readValues(other, 1, y, 0);
                        }
                        float scale = 0f;
                        for (float v : y) {
                            scale = Math.max(scale, Math.abs(v));
                        }
                        for (int d = 0; d < x.length; d++) {
                            // a bf16 step is 2^16 f32 steps
                            float step = Math.ulp(Math.max(Math.abs(x[d]), Math.abs(y[d]))) * 65536f;
                            assertTrue(Math.abs(x[d] - y[d]) <= step + 1e-5f * scale, what + ": layer " + l + " head " + h + " position "
                                    + a.position(slot) + " differs by more than a rounding step and the products' rounding: "
                                    + x[d] + " vs " + y[d] + " in a vector of scale " + scale);
                            values++;
                            equal += x[d] == y[d] ? 1 : 0;
                        }
                    }
                }
            }
        }
        System.out.printf("%s: %d of %d stored values identical%n", what, equal, values);
    }

    @Test
    void epicacheEpisodesKeepTheirBudgetsAndWhatTheCpuKeeps() {
        EpisodeSettings settings = CachePolicies.episodeSettings(PolicySpec.parse("epicache:alpha=0,budget=128"), 512);
        Model gpu = Gpu.model(MODEL);
        Model cpu = LoadedModels.get(MODEL, 2);
        EpicacheMemory[] sessions = new EpicacheMemory[2];
        Model[] models = {gpu, cpu};
        for (int m = 0; m < 2; m++) {
            Model model = models[m];
            TokenStream tokens = new TokenStream(model.tokenizer(), Optional.empty(), model.config().bosTokenId);
            int[] budgets = EpicacheMemory.layerBudgets(settings, null, model.config().layers);
            EpicacheMemory session = new EpicacheMemory(model, tokens, new TopicEncoder(TopicConversation.TOPICS), settings, budgets,
                    CacheDtype.BF16, 7);
            TopicConversation.feed(session, tokens, new ArrayList<>(), 0, 48);
            sessions[m] = session;
        }
        assertEquals(sessions[1].cacheCount(), sessions[0].cacheCount());
        long same = 0;
        long kept = 0;
        for (int k = 0; k < sessions[0].cacheCount(); k++) {
            KvCache g = sessions[0].cache(k);
            KvCache c = sessions[1].cache(k);
            for (int l = 0; l < g.layers(); l++) {
                int total = 0;
                for (int h = 0; h < g.kvHeads(); h++) {
                    TreeSet<Integer> onGpu = positions(g.head(l, h));
                    TreeSet<Integer> onCpu = positions(c.head(l, h));
                    total += onGpu.size();
                    kept += onCpu.size();
                    onGpu.retainAll(onCpu);
                    same += onGpu.size();
                }
                // M = B - c* - Pcap = 128 - 32 - 32; alpha = 0 gives every layer M
                assertTrue(total <= 64 * g.kvHeads(), "episode " + k + " layer " + l + ": " + total);
            }
        }
        System.out.printf("epicache: %d of %d kept entries at the same positions on the GPU as on the CPU%n", same, kept);
        // scores computed on another device may reorder near ties, never more than a few entries
        assertTrue(same >= 0.98 * kept, same + " of " + kept + " kept positions agree");
        if (same == kept) {
            for (int k = 0; k < sessions[0].cacheCount(); k++) {
                assertSamePagesUpToRounding("epicache episode " + k, sessions[0].cache(k), sessions[1].cache(k));
            }
        }
    }

    private static TreeSet<Integer> positions(HeadCache head) {
        TreeSet<Integer> kept = new TreeSet<>();
        for (int slot = 0; slot < head.slots(); slot++) {
            if (head.position(slot) != HeadCache.FREE) {
                kept.add(head.position(slot));
            }
        }
        return kept;
    }
}
