package io.longstream.jobs.cli;

import io.longstream.inference.Generator;
import io.longstream.inference.Model;
import io.longstream.inference.Sampler;
import io.longstream.inference.text.TextStream;
import io.longstream.inference.text.TokenStream;
import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import io.longstream.state.cache.KvCache;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Continues a prompt, streaming the text as it is decoded. */
@Command(name = "generate", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = "Continue TEXT with the model, streaming the generated text to stdout.")
final class GenerateCommand implements Callable<Integer>, Configured {
    @Spec
    CommandSpec spec;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "the text to continue")
    String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", description = "most new tokens (default: ${DEFAULT-VALUE})")
    int maxTokens = 128;

    @Option(names = "--temperature", paramLabel = "T", description = "0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature = 0f;

    @Option(names = "--top-p", paramLabel = "P", description = "nucleus mass kept when sampling (default: ${DEFAULT-VALUE})")
    float topP = 1f;

    @Option(names = "--seed", paramLabel = "S", description = "sampling seed: the same seed gives the same text (default: ${DEFAULT-VALUE})")
    long seed = 0L;

    private final PrintStream out;
    private final PrintStream err;

    GenerateCommand() {
        this(System.out, System.err);
    }

    GenerateCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public List<Setting<?>> settings() {
        return Settings.MODEL_RUN;
    }

    @Override
    public Integer call() {
        SettingValues values = SettingValues.of(spec, settings());
        if (maxTokens < 1) {
            throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
        }
        Sampler sampler = Sampler.of(temperature, topP, seed);
        try (Model model = Model.load(values.get(Settings.MODEL), Settings.backendHere(values))) {
            // a plain completion: the stream's opening (BOS) and the prompt as a document
            TokenStream tokens = new TokenStream(model.tokenizer(), Optional.empty(), model.config().bosTokenId);
            int[] opening = tokens.start();
            int[] text = tokens.document(prompt);
            int[] ids = Arrays.copyOf(opening, opening.length + text.length);
            System.arraycopy(text, 0, ids, opening.length, text.length);
            if (ids.length == 0) {
                throw new IllegalArgumentException("--prompt is empty and the model has no BOS token to start from");
            }
            KvCache cache = model.transformer().newCache(values.get(Settings.CACHE_DTYPE));
            PositionWarning.print(new PrintWriter(err, true), model.config(), cache.ropeMode(), (long) ids.length + maxTokens);
            TextStream stream = new TextStream(model.tokenizer());
            long start = System.nanoTime();
            Generator.Result r = new Generator(model.transformer(), values.get(Settings.CHUNK)).generate(ids, cache, sampler, maxTokens,
                    model.stopTokenIds(), token -> {
                        out.print(stream.push(token));
                        out.flush();
                    });
            out.println(stream.finish());
            double seconds = (System.nanoTime() - start) / 1e9;
            err.printf("[%s after %d tokens; prompt %d tokens; %.1f s]%n", r.finishReason.name().toLowerCase(),
                    r.tokens.length, ids.length, seconds);
        }
        return 0;
    }
}
