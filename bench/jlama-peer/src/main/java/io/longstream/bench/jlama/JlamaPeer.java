package io.longstream.bench.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs Jlama's prefill and decode timings for Longstream's CPU benchmark; one JSON line on stdout. */
public final class JlamaPeer {
    private static final int WARMUP_PREFILL = 256;

    private JlamaPeer() {
    }

    public static void main(String[] args) {
        PeerOptions options = PeerOptions.parse(args);
        log("loading %s with %d threads", options.model(), options.threads());
        // F32 working memory: BF16 working memory disagrees with the reference logits (stack.md).
        AbstractModel model = ModelSupport.loadModel(options.model().toFile(), null, DType.F32, DType.I8,
                Optional.empty(), Optional.of(options.threads()));
        try {
            Timings timings = measure(new Runs(model), options);
            System.out.println(timings.json());
        } finally {
            model.close();
        }
    }

    private static Timings measure(Runs runs, PeerOptions options) {
        for (int i = 0; i < options.warmup(); i++) {
            // The same kernels run at every length, so a short pass is enough to get them compiled.
            double prefill = runs.prefill(WARMUP_PREFILL);
            double decode = runs.decode(WARMUP_PREFILL, options.decodeTokens());
            log("warm-up %d: prefill %d in %.2f s, decode %d in %.2f s", i + 1, WARMUP_PREFILL, prefill,
                    options.decodeTokens(), decode);
        }
        List<Timings.Prefill> prefill = new ArrayList<>();
        for (int tokens : options.prefill()) {
            Timings.Prefill p = new Timings.Prefill(tokens, runs.prefill(tokens));
            log("prefill %d tokens: %.2f s (%.1f tokens/s)", tokens, p.seconds(), tokens / p.seconds());
            prefill.add(p);
        }
        List<Timings.Decode> decode = new ArrayList<>();
        for (int context : options.decodeContexts()) {
            Timings.Decode d = new Timings.Decode(context, options.decodeTokens(),
                    runs.decode(context, options.decodeTokens()));
            log("decode at context %d: %d tokens in %.2f s (%.2f tokens/s)", context, d.tokens(), d.seconds(),
                    d.tokens() / d.seconds());
            decode.add(d);
        }
        return new Timings(options.threads(), prefill, decode);
    }

    private static void log(String format, Object... args) {
        System.err.printf("jlama-peer: " + format + "%n", args);
    }
}
