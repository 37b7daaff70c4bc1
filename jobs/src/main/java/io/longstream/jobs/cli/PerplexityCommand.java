package io.longstream.jobs.cli;

import io.longstream.inference.Model;
import io.longstream.inference.eval.StreamingPerplexity;
import io.longstream.inference.memory.SessionMemories;
import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import io.longstream.state.policy.KeptEntries;
import io.longstream.state.policy.PolicySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Streaming perplexity of token-id streams under a cache policy and budget. */
@Command(name = "perplexity", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = {"Measure streaming perplexity under a cache policy, as StreamingLLM evaluates it.",
                "Each line of the ids file is one stream, fed from an empty cache in chunks of the policy's c* under the policy",
                "(--chunk 1: token by token, each token attending to at most B entries, itself included); prints one JSON object.",
                "With --kept K, every policy keeps K entries and prefills in chunks of exactly --chunk, so policies compare at equal memory."})
final class PerplexityCommand implements Callable<Integer>, Configured {
    @Spec
    CommandSpec spec;

    @Option(names = "--ids-file", required = true, paramLabel = "F", description = "token ids, one stream per line, comma or space separated")
    Path idsFile;

    @Override
    public List<Setting<?>> settings() {
        List<Setting<?>> settings = new ArrayList<>(Settings.POLICY_RUN);
        settings.add(Settings.KEPT);
        return settings;
    }

    @Override
    public Integer call() throws IOException {
        SettingValues values = SettingValues.of(spec, settings());
        try (Model m = Model.load(values.get(Settings.MODEL), Settings.backendHere(values))) {
            List<int[]> streams = readIds(idsFile, m.config().vocab);
            PolicySpec policy = Settings.policyAtKept(values, m.config().layers);
            int chunk = values.get(Settings.CHUNK);
            KeptEntries.Sizing sizing = KeptEntries.of(policy, m.config().layers, chunk);
            SessionMemories memories = new SessionMemories(m, policy, chunk, values.get(Settings.CACHE_DTYPE));
            PositionWarning.print(spec.commandLine().getErr(), m.config(), memories.ropeMode(), streams.stream().mapToLong(ids -> ids.length).max().orElse(0));
            StreamingPerplexity.Result r = new StreamingPerplexity(m.config().vocab).run(streams, i -> memories.create("stream-" + i));
            System.out.println(String.format(Locale.ROOT, "{\"policy\":\"%s\",\"budget\":%d,\"chunk\":%d,\"kept_entries\":%d,"
                            + "\"tokens\":%d,\"nll\":%.6f,\"ppl\":%.6f,\"max_cache_entries\":%d,\"mean_attended_entries\":%.1f,"
                            + "\"cache_bytes\":%d}",
                    policy, sizing.budget(), sizing.chunk(), sizing.kept(), r.tokens, r.nll, r.ppl, r.maxCacheEntries,
                    r.meanAttendedEntries, r.cacheBytes));
        }
        return 0;
    }

    /** One stream per non-blank line; a bad id fails naming its line. */
    static List<int[]> readIds(Path file, int vocab) throws IOException {
        List<int[]> streams = new ArrayList<>();
        int number = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            number++;
            String trimmed = line.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            String[] parts = trimmed.split("[,\\s]+");
            int[] ids = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    ids[i] = Integer.parseInt(parts[i]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(file + " line " + number + ": '" + parts[i] + "' is not a token id");
                }
                if (ids[i] < 0 || ids[i] >= vocab) {
                    throw new IllegalArgumentException(file + " line " + number + ": token id " + ids[i] + " is outside the vocabulary [0, " + vocab + ")");
                }
            }
            streams.add(ids);
        }
        return streams;
    }
}
