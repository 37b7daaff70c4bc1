package io.longstream.bench.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Timed prefill and decode on one loaded model. Each step ends with Jlama's greedy sample, because
 * its forward passes stop before the final norm and LM head, which a real step also pays for.
 */
final class Runs {
    private static final long TOKEN_SEED = 42;

    private final AbstractModel model;
    private final int vocab;

    Runs(AbstractModel model) {
        this.model = model;
        this.vocab = model.getConfig().vocabularySize;
    }

    /** Seconds to prefill {@code tokens} random ids from position 0 and pick the next token. */
    double prefill(int tokens) {
        int[] ids = randomIds(tokens);
        try (KvBufferCache cache = new KvBufferCache(model);
             KvBufferCache.KvBuffer kv = cache.getEphemeralKvBuffer()) {
            long start = System.nanoTime();
            prefillAndSample(ids, kv);
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /** A greedy continuation after an untimed prefill of {@code context} random ids; close it to free its cache. */
    Decoding decoding(int context) {
        return new Decoding(context);
    }

    final class Decoding implements AutoCloseable {
        private final KvBufferCache cache = new KvBufferCache(model);
        private final KvBufferCache.KvBuffer kv = cache.getEphemeralKvBuffer();
        private final AbstractTensor logits = model.makeDenseTensor(vocab);
        private int position;
        private int next;

        private Decoding(int context) {
            next = prefillAndSample(randomIds(context), kv);
            position = context;
        }

        /** Seconds to decode the next {@code tokens} greedy tokens. */
        double decode(int tokens) {
            long start = System.nanoTime();
            for (int end = position + tokens; position < end; position++) {
                try (AbstractTensor out = model.forward(next, position, kv, Optional.empty())) {
                    next = model.sample(out, 0f, 0f, logits);
                }
            }
            return (System.nanoTime() - start) / 1e9;
        }

        @Override
        public void close() {
            logits.close();
            kv.close();
            cache.close();
        }
    }

    private int prefillAndSample(int[] ids, KvBufferCache.KvBuffer kv) {
        try (AbstractTensor out = model.batchForward(ids, 0, kv);
             AbstractTensor logits = model.makeDenseTensor(vocab)) {
            return model.sample(out.slice(out.shape().first() - 1), 0f, 0f, logits);
        }
    }

    private int[] randomIds(int count) {
        return new SplittableRandom(TOKEN_SEED).ints(count, 0, vocab).toArray();
    }
}
