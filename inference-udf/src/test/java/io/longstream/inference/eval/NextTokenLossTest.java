package io.longstream.inference.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.longstream.inference.Fixtures;
import io.longstream.inference.Model;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NextTokenLossTest {
    /** A stream fed in uneven pieces scores every token after the first, as one pass over the whole stream does. */
    @Test
    void piecesScoreTheStreamAsOnePassDoes() {
        try (Model model = Model.load(Fixtures.model("llama-tiny-f32"), 1)) {
            int vocab = model.config().vocab;
            SplittableRandom random = new SplittableRandom(7);
            int[] ids = new int[300];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random.nextInt(vocab);
            }
            float[] whole = model.transformer().forward(ids, model.transformer().newCache(CacheDtype.F32), true);
            double direct = 0;
            for (int t = 0; t + 1 < ids.length; t++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    max = Math.max(max, whole[t * vocab + v]);
                }
                double z = 0;
                for (int v = 0; v < vocab; v++) {
                    z += Math.exp(whole[t * vocab + v] - max);
                }
                direct += Math.log(z) + max - whole[t * vocab + ids[t + 1]];
            }

            NextTokenLoss loss = new NextTokenLoss(vocab);
            KvCache cache = model.transformer().newCache(CacheDtype.F32);
            int[] cuts = {0, 37, 38, 200, 300};
            for (int p = 0; p + 1 < cuts.length; p++) {
                int[] piece = Arrays.copyOfRange(ids, cuts[p], cuts[p + 1]);
                loss.add(piece, model.transformer().forward(piece, cache, true));
            }
            assertEquals(ids.length - 1, loss.predicted());
            assertEquals(direct, loss.nllSum(), 1e-6 * Math.abs(direct));
        }
    }

    @Test
    void logitsOfAnotherLengthAreRefused() {
        NextTokenLoss loss = new NextTokenLoss(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loss.add(new int[] {1, 2}, new float[4]));
        assertEquals("logits of 1 rows for 2 tokens", e.getMessage());
    }
}
