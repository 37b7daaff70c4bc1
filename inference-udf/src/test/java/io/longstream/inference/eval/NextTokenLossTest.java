package io.longstream.inference.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.longstream.inference.Fixtures;
import io.longstream.inference.Model;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NextTokenLossTest {
    /** A stream fed in uneven pieces scores every token after the first, as one pass over the whole stream does (f32 cache). */
    @Test
    void piecesScoreTheStreamAsOnePassDoes() {
        try (Model model = Model.load(Fixtures.model("llama-tiny-f32"), 1)) {
            int vocab = model.config().vocab;
            SplittableRandom random = new SplittableRandom(7);
            int[] ids = new int[300];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random.nextInt(vocab);
            }
            NextTokenLoss loss = new NextTokenLoss(vocab);
            KvCache cache = model.transformer().newCache(CacheDtype.F32);
            int[] cuts = {0, 37, 38, 200, 300};
            for (int p = 0; p + 1 < cuts.length; p++) {
                int[] piece = Arrays.copyOfRange(ids, cuts[p], cuts[p + 1]);
                loss.add(piece, model.transformer().forward(piece, cache, true));
            }
            assertEquals(ids.length - 1, loss.predicted());
            double direct = StreamingPerplexityTest.directNll(model, List.of(ids));
            assertEquals(direct, loss.nllSum() / loss.predicted(), 1e-6 * direct);
        }
    }

    @Test
    void logitsOfAnotherLengthAreRefused() {
        NextTokenLoss loss = new NextTokenLoss(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loss.add(new int[] {1, 2}, new float[4]));
        assertEquals("logits of 1 rows for 2 tokens", e.getMessage());
    }
}
