package io.longstream.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import io.longstream.state.cache.RopeMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * The batch-invariance check of a backend: over a random batch of sessions (each with its own prior cache of random
 * length, cache dtype, RoPE mode and evicted slots), decode steps and prefill chunks of random lengths mixed, in random
 * order, every step's logits, attention weights and resulting cache pages are bit for bit those of the step run alone
 * on {@code alone}; the batch's caches are restored from pages first.
 */
public final class BatchInvariance {
    /** One session: its cache run alone, its copy run in batches, and what each observer saw. */
    private static final class Session {
        final KvCache alone;
        final KvCache batched;
        final List<MaxAttention[]> observed = new ArrayList<>();

        Session(KvCache alone, KvCache batched) {
            this.alone = alone;
            this.batched = batched;
        }
    }

    private BatchInvariance() {
    }

    public static void check(String name, Transformer alone, Transformer batched, int sessions, int rounds, long seed) {
        check(name, alone, batched, sessions, rounds, seed, cache -> null);
    }

    /**
     * As {@link #check(String, Transformer, Transformer, int, int, long)}, asking after every round whether each cache
     * the backend holds a copy of differs from that copy ({@code copyDifferences}: a description, or null).
     */
    public static void check(String name, Transformer alone, Transformer batched, int sessions, int rounds, long seed,
                             Function<KvCache, String> copyDifferences) {
        int vocab = alone.config().vocab;
        SplittableRandom random = new SplittableRandom(seed);
        List<Session> all = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            KvCache cache = alone.newCache(random.nextBoolean() ? CacheDtype.BF16 : CacheDtype.F32);
            cache.setRopeMode(random.nextInt(3) == 0 ? RopeMode.RANK : RopeMode.ORIGINAL);
            int prior = random.nextInt(90);
            while (cache.nextPosition() < prior) {
                alone.forward(ids(random, Math.min(prior - cache.nextPosition(), 1 + random.nextInt(24)), vocab), cache, false);
            }
            // free slots inside the range, as a policy leaves them
            for (int l = 0; l < cache.layers(); l++) {
                for (int h = 0; h < cache.kvHeads(); h++) {
                    int slots = cache.head(l, h).slots();
                    for (int e = slots / 8; e > 0; e--) {
                        int slot = random.nextInt(slots);
                        if (cache.head(l, h).position(slot) >= 0) {
                            cache.head(l, h).evict(slot);
                        }
                    }
                }
            }
            all.add(new Session(cache, CachePages.restore(cache)));
        }
        for (int round = 0; round < rounds; round++) {
            List<Integer> members = new ArrayList<>();
            List<ForwardStep> aloneSteps = new ArrayList<>();
            List<ForwardStep> batchSteps = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                if (random.nextInt(5) == 0) {
                    continue;
                }
                Session session = all.get(s);
                int[] tokens = ids(random, random.nextBoolean() ? 1 : 2 + random.nextInt(20), vocab);
                boolean allLogits = random.nextBoolean();
                MaxAttention[] observers = random.nextInt(3) == 0
                        ? new MaxAttention[] {new MaxAttention(session.alone), new MaxAttention(session.batched)}
                        : new MaxAttention[2];
                session.observed.add(observers);
                members.add(s);
                aloneSteps.add(new ForwardStep(tokens, session.alone, allLogits, observers[0]));
                batchSteps.add(new ForwardStep(tokens, session.batched, allLogits, observers[1]));
            }
            if (members.isEmpty()) {
                continue;
            }
            List<float[]> expected = new ArrayList<>();
            for (ForwardStep step : aloneSteps) {
                expected.add(alone.forward(step.tokens(), step.cache(), step.allLogits(), step.observer()));
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < members.size(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(random.nextLong()));
            List<ForwardStep> shuffled = new ArrayList<>();
            for (int i : order) {
                shuffled.add(batchSteps.get(i));
            }
            List<float[]> actual = batched.forward(shuffled);
            assertEquals(members.size(), actual.size());
            for (int j = 0; j < order.size(); j++) {
                int i = order.get(j);
                assertArrayEquals(expected.get(i), actual.get(j), name + ": session " + members.get(i) + " in round " + round
                        + " at batch position " + j + " of " + order.size());
            }
            int finished = round;
            for (Session session : all) {
                for (KvCache cache : new KvCache[] {session.alone, session.batched}) {
                    String difference = copyDifferences.apply(cache);
                    assertNull(difference, () -> name + " round " + finished + ": " + difference);
                }
            }
        }
        for (int s = 0; s < sessions; s++) {
            Session session = all.get(s);
            CachePages.assertSamePages(session.alone, session.batched, name + " session " + s);
            for (MaxAttention[] observers : session.observed) {
                if (observers[0] == null) {
                    continue;
                }
                for (int l = 0; l < session.alone.layers(); l++) {
                    for (int h = 0; h < session.alone.kvHeads(); h++) {
                        assertArrayEquals(observers[0].of(l, h), observers[1].of(l, h), "attention weights of session " + s);
                    }
                }
            }
        }
    }

    static int[] ids(SplittableRandom random, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(vocab);
        }
        return ids;
    }
}
