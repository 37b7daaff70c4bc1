package io.longstream.inference.memory;

import io.longstream.inference.AnswerDecoding;
import io.longstream.inference.BatchedWork;
import io.longstream.inference.CachePages;
import io.longstream.inference.Fixtures;
import io.longstream.inference.ForwardBatch;
import io.longstream.inference.ForwardStep;
import io.longstream.inference.Generator;
import io.longstream.inference.LoadedModels;
import io.longstream.inference.Model;
import io.longstream.inference.Sampler;
import io.longstream.inference.epicache.EpicacheMemory;
import io.longstream.inference.epicache.TopicEncoder;
import io.longstream.inference.text.ChatTemplate.Message;
import io.longstream.inference.text.ChatTemplate;
import io.longstream.inference.text.TokenStream;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import io.longstream.state.policy.CachePolicies;
import io.longstream.state.policy.CachePolicy;
import io.longstream.state.policy.PolicySpec;
import io.longstream.state.policy.epicache.EpisodeSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sessions advanced together, as the operator will advance up to --max-batch of them a tick, end exactly where each ends
 * alone. Random mixes of sessions (policies full, window, sinks, lacache and epicache; bf16 and f32 caches; histories of
 * random length) run their prefill chunks (random lengths) and answers (decoded in resumed blocks, each on an overlay
 * rolled back after) once each alone with one thread, and once in shared forward passes with 1 to 3 threads: each
 * round a random subset of the sessions with work, in random order, so the neighbours and the position in the batch
 * change all the time; a session is restored from its pages (caches, policy state, clustering) at random points of
 * the batched run only. Every prefill's logits and evictions, every answer's tokens and finish, and the final cache
 * pages are bit for bit the same. Fixed seed and tries.
 */
class SessionBatchTest {
    private static final String TOKENIZED = "llama-tiny-f32";
    private static final String[] POLICIES = {"full", "window", "sinks", "sinks:start=2", "lacache", "lacache:span=1"};
    private static final String[] WORDS = {"ferry", "harbour", "flour", "oven", "router", "wifi", "invoice", "ledger", "tide", "salt"};
    private static final Map<String, TokenStream> STREAMS = new ConcurrentHashMap<>();
    private static final TopicEncoder ENCODER = new TopicEncoder("ferry", "flour", "router", "invoice");

    private sealed interface Op permits Turn, Chunk, Query, Restore {
    }

    /** An ingested turn that the memory observes (epicache segments it); its tokens come as chunks. */
    private record Turn(Message message) implements Op {
    }

    private record Chunk(int[] tokens, boolean logits) implements Op {
    }

    private record Query(int[] prompt, int maxNew, int block, float temperature, long seed, int cachePick) implements Op {
    }

    /** Saves the memory to pages and continues from them (batched run only). */
    private record Restore() implements Op {
    }

    /** What an op produced: a description to compare and, for a prefill asked for them, logits to compare bit for bit. */
    private record Outcome(String text, float[] logits) {
    }

    /** How to build (and rebuild) one session's memory on a model. */
    private record Recipe(String policy, CacheDtype dtype, int budget, int configuredChunk, long seed) {
        PolicySpec spec() {
            return PolicySpec.parse(policy).withDefaultBudget(budget);
        }

        SessionMemory create(Model model) {
            if (spec().episodic()) {
                EpisodeSettings settings = CachePolicies.episodeSettings(spec(), configuredChunk);
                return new EpicacheMemory(model, tokens(model), ENCODER, settings, layerBudgets(model, settings), dtype, seed);
            }
            CachePolicy p = CachePolicies.build(spec(), model.config().layers, configuredChunk);
            return new PolicyMemory(model.transformer(), p, model.transformer().newCache(dtype));
        }

        /** The memory rebuilt from what the operator persists: pages of every cache, policy state, clustering. */
        SessionMemory restore(Model model, SessionMemory saved) {
            List<KvCache> caches = new ArrayList<>();
            for (int k = 0; k < saved.cacheCount(); k++) {
                caches.add(CachePages.restore(saved.cache(k)));
            }
            if (saved instanceof EpicacheMemory episodic) {
                EpisodeSettings settings = CachePolicies.episodeSettings(spec(), configuredChunk);
                return EpicacheMemory.restore(model, tokens(model), ENCODER, settings, layerBudgets(model, settings), seed,
                        episodic.clustering(), episodic.openUtterances(), caches);
            }
            CachePolicy p = CachePolicies.build(spec(), model.config().layers, configuredChunk);
            p.restore(saved.policyState());
            return new PolicyMemory(model.transformer(), p, caches.get(0));
        }

        private static int[] layerBudgets(Model model, EpisodeSettings settings) {
            return EpicacheMemory.layerBudgets(settings, null, model.config().layers);
        }
    }

    @Property(tries = 30, seed = "5")
    void sessionsAdvancedTogetherEndAsEachAlone(@ForAll @IntRange(min = 0, max = 4) int modelIndex,
                                                @ForAll @IntRange(min = 1, max = 3) int threads,
                                                @ForAll @IntRange(min = 2, max = 5) int sessions,
                                                @ForAll long seed) {
        String name = Fixtures.MODELS[modelIndex];
        Model alone = LoadedModels.get(name, 1);
        Model batched = LoadedModels.get(name, threads);
        SplittableRandom random = new SplittableRandom(seed);
        List<Recipe> recipes = new ArrayList<>();
        List<List<Op>> plans = new ArrayList<>();
        List<SessionMemory> aloneMemories = new ArrayList<>();
        List<List<Outcome>> expected = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            Recipe recipe = recipe(name, random);
            SessionMemory memory = recipe.create(alone);
            List<Op> plan = plan(alone, memory, recipe, random);
            List<Outcome> outcomes = new ArrayList<>();
            for (Op op : plan) {
                runAlone(alone, memory, op, outcomes);
            }
            recipes.add(recipe);
            plans.add(plan);
            aloneMemories.add(memory);
            expected.add(outcomes);
        }

        List<Batched> all = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            all.add(new Batched(batched, recipes.get(s), plans.get(s), 0.6 + 0.4 * random.nextDouble()));
        }
        ForwardBatch batch = new ForwardBatch(batched.transformer());
        Random order = new Random(random.nextLong());
        while (true) {
            List<Batched> ready = new ArrayList<>();
            for (Batched b : all) {
                if (b.ready()) {
                    ready.add(b);
                }
            }
            if (ready.isEmpty()) {
                break;
            }
            List<Batched> round = new ArrayList<>();
            for (Batched b : ready) {
                if (random.nextDouble() < b.participation) {
                    round.add(b);
                }
            }
            if (round.isEmpty()) {
                round.add(ready.get(random.nextInt(ready.size())));
            }
            Collections.shuffle(round, order);
            List<BatchedWork> works = new ArrayList<>();
            for (Batched b : round) {
                works.add(b.counted());
            }
            batch.round(works);
            for (Batched b : round) {
                b.afterRound();
            }
        }

        for (int s = 0; s < sessions; s++) {
            String context = name + " session " + s + " (" + recipes.get(s) + ")";
            List<Outcome> want = expected.get(s);
            List<Outcome> got = all.get(s).outcomes;
            assertEquals(want.size(), got.size(), context + ": outcomes");
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.get(i).text(), got.get(i).text(), context + " op " + i);
                if (want.get(i).logits() != null) {
                    assertArrayEquals(want.get(i).logits(), got.get(i).logits(), context + " op " + i + ": logits");
                }
            }
            SessionMemory a = aloneMemories.get(s);
            SessionMemory b = all.get(s).memory;
            assertEquals(a.cacheCount(), b.cacheCount(), context + ": caches");
            for (int k = 0; k < a.cacheCount(); k++) {
                CachePages.assertSamePages(a.cache(k), b.cache(k), context + " cache " + k);
            }
            assertArrayEquals(a.policyState(), b.policyState(), context + ": policy state");
        }
    }

    private static Recipe recipe(String model, SplittableRandom random) {
        CacheDtype dtype = random.nextBoolean() ? CacheDtype.BF16 : CacheDtype.F32;
        int configuredChunk = 4 + random.nextInt(29);
        if (model.equals(TOKENIZED) && random.nextInt(5) < 3) {
            String spec = "epicache:alpha=0,episodes=" + (1 + random.nextInt(3)) + ",utterances=1";
            return new Recipe(spec, dtype, 40 + random.nextInt(100), configuredChunk, random.nextLong());
        }
        String spec = POLICIES[random.nextInt(POLICIES.length)];
        return new Recipe(spec, dtype, spec.equals("full") ? 0 : 40 + random.nextInt(80), configuredChunk, random.nextLong());
    }

    /**
     * A random history: an epicache session's conversation turns (observed, their tokens cut into chunks of random
     * length up to c*), another session's chunks of random ids; queries in between; restores.
     */
    private static List<Op> plan(Model model, SessionMemory memory, Recipe recipe, SplittableRandom random) {
        int vocab = model.config().vocab;
        int chunk = memory.chunk();
        List<Op> ops = new ArrayList<>();
        boolean episodic = recipe.spec().episodic();
        List<Integer> pending = new ArrayList<>();
        if (episodic) {
            for (int id : tokens(model).start()) {
                pending.add(id);
            }
        }
        Message previous = null;
        for (int n = 2 + random.nextInt(episodic ? 14 : 8); n > 0; n--) {
            int kind = random.nextInt(10);
            if (kind < 6) {
                if (episodic) {
                    Message turn = turn(ops.size(), random);
                    ops.add(new Turn(turn));
                    for (int id : tokens(model).turn(previous, turn)) {
                        pending.add(id);
                    }
                    previous = turn;
                    while (pending.size() >= chunk) {
                        int length = 1 + random.nextInt(chunk);
                        ops.add(new Chunk(take(pending, length), random.nextInt(3) == 0));
                    }
                } else {
                    ops.add(new Chunk(ids(random, 1 + random.nextInt(chunk), vocab), random.nextInt(3) == 0));
                }
            } else if (kind < 9) {
                int maxNew = 1 + random.nextInt(6);
                int room = Math.min(12, chunk - maxNew);
                if (room >= 1) {
                    ops.add(new Query(ids(random, 1 + random.nextInt(room), vocab), maxNew, 1 + random.nextInt(4),
                            random.nextBoolean() ? 0f : 0.8f, random.nextLong(), random.nextInt(8)));
                }
            } else {
                ops.add(new Restore());
            }
        }
        return ops;
    }

    private static void runAlone(Model model, SessionMemory memory, Op op, List<Outcome> outcomes) {
        if (op instanceof Turn turn) {
            memory.observeTurn(turn.message().role(), turn.message().content());
        } else if (op instanceof Chunk chunk) {
            String refusal = memory.ingestRefusal(chunk.tokens().length);
            if (refusal != null) {
                outcomes.add(new Outcome("refused: " + refusal, null));
                return;
            }
            SessionMemory.Prefill p = memory.prefill(chunk.tokens(), chunk.logits());
            outcomes.add(new Outcome("prefill evicted " + p.evicted(), p.logits()));
        } else if (op instanceof Query query) {
            String refusal = memory.queryRefusal(query.prompt().length, query.maxNew());
            if (refusal != null) {
                outcomes.add(new Outcome("refused: " + refusal, null));
                return;
            }
            int[] generated = new int[0];
            Generator.Result result;
            do {
                KvCache cache = memory.cache(query.cachePick() % memory.cacheCount());
                KvCache.Mark mark = cache.mark();
                result = new Generator(model.transformer(), memory.queryChunk()).resume(query.prompt(), generated, cache,
                        sampler(query, generated.length), query.maxNew(), model.stopTokenIds(), query.block(), id -> { });
                cache.rollback(mark);
                generated = result.tokens;
            } while (result.finishReason == null);
            outcomes.add(answer(result));
        }
    }

    /** One session in the batched run: its ops, its memory (replaced on a restore), the work it has in flight. */
    private static final class Batched {
        final Model model;
        final Recipe recipe;
        final List<Op> ops;
        final double participation;
        final List<Outcome> outcomes = new ArrayList<>();
        SessionMemory memory;
        int next;
        BatchedWork work;
        /** The token rows the work in flight said it forwards at most, and those it forwarded so far. */
        int promised;
        int rows;
        Query query;
        KvCache answerCache;
        KvCache.Mark mark;

        Batched(Model model, Recipe recipe, List<Op> ops, double participation) {
            this.model = model;
            this.recipe = recipe;
            this.ops = ops;
            this.participation = participation;
            this.memory = recipe.create(model);
        }

        /** Takes ops until one needs forward passes; false when none is left. */
        boolean ready() {
            while (work == null && next < ops.size()) {
                Op op = ops.get(next++);
                if (op instanceof Turn turn) {
                    memory.observeTurn(turn.message().role(), turn.message().content());
                } else if (op instanceof Restore) {
                    memory = recipe.restore(model, memory);
                } else if (op instanceof Chunk chunk) {
                    String refusal = memory.ingestRefusal(chunk.tokens().length);
                    if (refusal != null) {
                        outcomes.add(new Outcome("refused: " + refusal, null));
                    } else {
                        work = memory.startPrefill(chunk.tokens(), chunk.logits());
                    }
                } else if (op instanceof Query q) {
                    String refusal = memory.queryRefusal(q.prompt().length, q.maxNew());
                    if (refusal != null) {
                        outcomes.add(new Outcome("refused: " + refusal, null));
                    } else {
                        query = q;
                        startBlock(new int[0]);
                    }
                }
            }
            return work != null;
        }

        /** A block of the answer on a fresh overlay, as the operator resumes one after a checkpoint. */
        private void startBlock(int[] generated) {
            answerCache = memory.cache(query.cachePick() % memory.cacheCount());
            mark = answerCache.mark();
            work = new AnswerDecoding(model.transformer(), memory.queryChunk(), query.prompt(), generated, answerCache,
                    sampler(query, generated.length), query.maxNew(), model.stopTokenIds(), query.block(), id -> { });
        }

        /** The work in flight, counting the rows of its forwards; what it promised is taken before its first round. */
        BatchedWork counted() {
            if (rows == 0) {
                promised = work.tokens();
            }
            BatchedWork inner = work;
            return new BatchedWork() {
                @Override
                public int tokens() {
                    return inner.tokens();
                }

                @Override
                public boolean done() {
                    return inner.done();
                }

                @Override
                public List<ForwardStep> nextForwards() {
                    List<ForwardStep> steps = inner.nextForwards();
                    steps.forEach(step -> rows += step.tokens().length);
                    return steps;
                }

                @Override
                public void forwarded(List<float[]> logits) {
                    inner.forwarded(logits);
                }
            };
        }

        void afterRound() {
            if (!work.done()) {
                return;
            }
            // an answer that stops early forwards fewer rows than it promised, every other work exactly as many
            boolean early = work instanceof AnswerDecoding answer && answer.result().finishReason == Generator.FinishReason.STOP;
            if (early ? rows > promised : rows != promised) {
                throw new AssertionError(work + " promised " + promised + " token rows and forwarded " + rows);
            }
            rows = 0;
            if (work instanceof MemoryChunk chunk) {
                outcomes.add(new Outcome("prefill evicted " + chunk.result().evicted(), chunk.result().logits()));
                work = null;
                return;
            }
            Generator.Result result = ((AnswerDecoding) work).result();
            answerCache.rollback(mark);
            work = null;
            if (result.finishReason == null) {
                startBlock(result.tokens);
            } else {
                outcomes.add(answer(result));
            }
        }
    }

    private static Outcome answer(Generator.Result result) {
        return new Outcome("answer " + Arrays.toString(result.tokens) + " " + result.finishReason, null);
    }

    private static Sampler sampler(Query query, int drawn) {
        return Sampler.of(query.temperature(), 0.9f, query.seed()).skip(drawn);
    }

    /** The tokenized fixture's stream rules, built once (the template is parsed once). */
    private static TokenStream tokens(Model model) {
        return STREAMS.computeIfAbsent(model.dir().toString(),
                dir -> new TokenStream(model.tokenizer(), ChatTemplate.load(model.dir()), model.config().bosTokenId));
    }

    private static Message turn(int index, SplittableRandom random) {
        StringBuilder text = new StringBuilder();
        for (int w = 3 + random.nextInt(10); w > 0; w--) {
            text.append(text.length() == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return new Message(index % 2 == 0 ? "user" : "assistant", text + ".");
    }

    private static int[] take(List<Integer> pending, int count) {
        int[] out = pending.subList(0, count).stream().mapToInt(Integer::intValue).toArray();
        pending.subList(0, count).clear();
        return out;
    }

    private static int[] ids(SplittableRandom random, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(vocab);
        }
        return ids;
    }
}
