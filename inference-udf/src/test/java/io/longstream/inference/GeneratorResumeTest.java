package io.longstream.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** An answer decoded in blocks, each resumed on a fresh overlay, is the answer decoded in one go. */
class GeneratorResumeTest {
    private static final int[] PROMPT = {0, 43, 72, 79, 12, 250, 31};

    @ParameterizedTest
    @ValueSource(floats = {0f, 0.9f})
    void blocksResumedFromScratchGiveTheSameTokensAsOneGo(float temperature) {
        try (Model model = Model.load(Fixtures.model("llama-tiny-f32"), 1)) {
            Generator generator = new Generator(model.transformer(), 64);
            Generator.Result whole = generator.generate(PROMPT, model.transformer().newCache(CacheDtype.BF16),
                    Sampler.of(temperature, 0.95f, 7), 20, Set.of(), t -> { });
            int[] sofar = new int[0];
            Generator.Result part = null;
            for (int step = 0; step < 7; step++) {
                KvCache fresh = model.transformer().newCache(CacheDtype.BF16);
                part = generator.resume(PROMPT, sofar, fresh, Sampler.of(temperature, 0.95f, 7).skip(sofar.length), 20, Set.of(), 3,
                        t -> { });
                sofar = part.tokens;
                if (step < 6) {
                    assertNull(part.finishReason, "20 tokens take 7 blocks of 3");
                }
            }
            assertArrayEquals(whole.tokens, part.tokens);
            assertEquals(Generator.FinishReason.LENGTH, part.finishReason);
        }
    }
}
