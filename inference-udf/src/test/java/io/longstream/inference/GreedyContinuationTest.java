package io.longstream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Greedy decoding reproduces HF's {@code greedy_next_16} wherever the choice is clear: at every step
 * whose top two logits are further apart than our error bound, the tokens must agree.
 */
class GreedyContinuationTest {
    static String[] models() {
        return Fixtures.MODELS;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void greedyDecodingMatchesReferenceContinuation(String name) {
        Fixtures.Reference ref = Fixtures.reference(name);
        try (Model model = Model.load(Fixtures.model(name), 2)) {
            Transformer t = model.transformer();
            // bound on |our logit − HF logit|, measured on the prompt, with margin
            float[] promptLogits = ReferenceLogitsTest.logits(model, ref.inputIds, 16, CacheDtype.F32);
            double bound = 4 * ref.relativeError(promptLogits) * ref.scale();
            KvCache cache = t.newCache(CacheDtype.F32);
            float[] logits = new ChunkedPrefill(t, 16).run(ref.inputIds, cache, false);
            int vocab = t.config().vocab;
            int checked = 0;
            for (int step = 0; step < ref.greedyNext16.length; step++) {
                int ours = Sampler.greedy().next(logits, 0, vocab);
                if (topTwoGap(logits) > 2 * bound) {
                    assertEquals(ref.greedyNext16[step], ours, name + " step " + step);
                    checked++;
                }
                // follow the reference's path so later steps stay comparable
                logits = t.forward(new int[] {ref.greedyNext16[step]}, cache, false);
            }
            System.out.printf("%s: %d of 16 greedy steps clear of the error bound %.2e, all equal%n", name, checked, bound);
            assertEquals(true, checked >= 12, name + ": too few decisive steps to mean anything (" + checked + ")");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void generatorStopsAtMaxTokensWhenNoStopTokenAppears(String name) {
        Fixtures.Reference ref = Fixtures.reference(name);
        try (Model model = Model.load(Fixtures.model(name), 1)) {
            KvCache cache = model.transformer().newCache(CacheDtype.F32);
            Generator.Result r = new Generator(model.transformer(), 64)
                    .generate(ref.inputIds, cache, Sampler.greedy(), 16, Set.of(), tok -> { });
            assertEquals(Generator.FinishReason.LENGTH, r.finishReason);
            assertEquals(ref.inputIds.length + 16 - 1, cache.nextPosition(), "the last token is never fed back");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void generatorStopsAtAStopTokenWithoutEmittingIt(String name) {
        Fixtures.Reference ref = Fixtures.reference(name);
        try (Model model = Model.load(Fixtures.model(name), 1)) {
            // make the reference's fourth greedy token a stop token
            int stop = ref.greedyNext16[3];
            java.util.List<Integer> streamed = new java.util.ArrayList<>();
            Generator.Result r = new Generator(model.transformer(), 64).generate(ref.inputIds,
                    model.transformer().newCache(CacheDtype.F32), Sampler.greedy(), 16, Set.of(stop), streamed::add);
            assertEquals(Generator.FinishReason.STOP, r.finishReason);
            int firstStop = 0;
            while (ref.greedyNext16[firstStop] != stop) {
                firstStop++;
            }
            assertEquals(firstStop, r.tokens.length);
            assertEquals(firstStop, streamed.size());
            for (int i = 0; i < firstStop; i++) {
                assertEquals(ref.greedyNext16[i], r.tokens[i]);
            }
        }
    }

    private static double topTwoGap(float[] logits) {
        float first = Float.NEGATIVE_INFINITY;
        float second = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            if (v > first) {
                second = first;
                first = v;
            } else if (v > second) {
                second = v;
            }
        }
        return first - second;
    }
}
