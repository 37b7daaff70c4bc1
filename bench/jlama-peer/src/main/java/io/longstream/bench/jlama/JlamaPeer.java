package io.longstream.bench.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Runs Jlama's prefill and decode timings for Longstream's CPU benchmark. Prefill timings come first, as one JSON
 * line on stdout. Decode is driven from stdin, so that Longstream can measure this machine's read bandwidth
 * between bursts, while the peer is idle: for each decode context the peer prefills, prints
 * {@code {"context":C}}, then answers each {@code decode N} with {@code {"seconds":S}} for N greedy tokens,
 * until {@code end}.
 */
public final class JlamaPeer {
    private static final int WARMUP_PREFILL = 256;

    private JlamaPeer() {
    }

    public static void main(String[] args) throws IOException {
        PeerOptions options = PeerOptions.parse(args);
        log("loading %s with %d threads", options.model(), options.threads());
        // F32 working memory: BF16 working memory disagrees with the reference logits (stack.md).
        AbstractModel model = ModelSupport.loadModel(options.model().toFile(), null, DType.F32, DType.I8,
                Optional.empty(), Optional.of(options.threads()));
        try {
            Runs runs = new Runs(model);
            warmUp(runs, options);
            System.out.println(prefill(runs, options).json());
            System.out.flush();
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (int context : options.decodeContexts()) {
                decode(runs, context, commands);
            }
        } finally {
            model.close();
        }
    }

    private static void warmUp(Runs runs, PeerOptions options) {
        for (int i = 0; i < options.warmup(); i++) {
            // The same kernels run at every length, so a short pass is enough to get them compiled.
            double prefill = runs.prefill(WARMUP_PREFILL);
            double decode;
            try (Runs.Decoding d = runs.decoding(WARMUP_PREFILL)) {
                decode = d.decode(options.decodeTokens());
            }
            log("warm-up %d: prefill %d in %.2f s, decode %d in %.2f s", i + 1, WARMUP_PREFILL, prefill,
                    options.decodeTokens(), decode);
        }
    }

    private static Timings prefill(Runs runs, PeerOptions options) {
        List<Timings.Prefill> prefill = new ArrayList<>();
        for (int tokens : options.prefill()) {
            Timings.Prefill p = new Timings.Prefill(tokens, runs.prefill(tokens));
            log("prefill %d tokens: %.2f s (%.1f tokens/s)", tokens, p.seconds(), tokens / p.seconds());
            prefill.add(p);
        }
        return new Timings(options.threads(), prefill);
    }

    private static void decode(Runs runs, int context, BufferedReader commands) throws IOException {
        try (Runs.Decoding d = runs.decoding(context)) {
            System.out.printf(Locale.ROOT, "{\"context\":%d}%n", context);
            System.out.flush();
            int decoded = 0;
            double seconds = 0;
            for (String line; (line = commands.readLine()) != null && !line.equals("end"); ) {
                if (!line.startsWith("decode ")) {
                    throw new IllegalArgumentException("expected 'decode N' or 'end', got '" + line + "'");
                }
                int tokens = Integer.parseInt(line.substring("decode ".length()).trim());
                double s = d.decode(tokens);
                decoded += tokens;
                seconds += s;
                System.out.printf(Locale.ROOT, "{\"seconds\":%.6f}%n", s);
                System.out.flush();
            }
            log("decode at context %d: %d tokens in %.2f s (%.2f tokens/s, untimed ones included)", context, decoded, seconds,
                    decoded / seconds);
        }
    }

    private static void log(String format, Object... args) {
        System.err.printf("jlama-peer: " + format + "%n", args);
    }
}
