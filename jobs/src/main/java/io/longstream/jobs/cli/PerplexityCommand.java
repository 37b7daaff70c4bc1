package io.longstream.jobs.cli;

import io.longstream.inference.Model;
import io.longstream.inference.eval.StreamingPerplexity;
import io.longstream.operators.SessionMemories;
import io.longstream.state.cache.CacheDtype;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Streaming perplexity of token-id streams under a cache policy and budget. */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = {"Measure streaming perplexity under a cache policy, as StreamingLLM evaluates it.",
                "Each line of the ids file is one stream, fed from an empty cache in chunks (token by token by default)",
                "under the policy; prints one JSON object."})
final class PerplexityCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model folder")
    Path model;

    @Mixin
    PolicyOptions policy;

    @Option(names = "--ids-file", required = true, paramLabel = "F", description = "token ids, one stream per line, comma or space separated")
    Path idsFile;

    @Option(names = "--chunk", paramLabel = "N", description = "tokens per step (default: ${DEFAULT-VALUE}: each token attends to at most B entries, itself included)")
    int chunk = 1;

    @Option(names = "--cache-dtype", paramLabel = "TYPE", description = "KV cache precision: bf16 (default), f16 or f32")
    String cacheDtype = "bf16";

    @Override
    public Integer call() throws IOException {
        if (chunk < 1) {
            throw new IllegalArgumentException("--chunk must be >= 1, got " + chunk);
        }
        CacheDtype dtype = CacheDtype.parse(cacheDtype);
        try (Model m = Model.load(model, policy.threads)) {
            List<int[]> streams = readIds(idsFile, m.config().vocab);
            SessionMemories memories = policy.memories(m, chunk, dtype);
            StreamingPerplexity.Result r = new StreamingPerplexity(m.config().vocab).run(streams, i -> memories.create("stream-" + i));
            System.out.println(String.format(Locale.ROOT, "{\"tokens\":%d,\"nll\":%.6f,\"ppl\":%.6f,\"max_cache_entries\":%d}",
                    r.tokens, r.nll, r.ppl, r.maxCacheEntries));
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
