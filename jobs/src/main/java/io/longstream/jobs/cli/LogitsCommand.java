package io.longstream.jobs.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.longstream.inference.ChunkedPrefill;
import io.longstream.inference.Model;
import io.longstream.state.cache.CacheDtype;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints the float32 logits of every input position as JSON, for checking numerics against a reference. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Print {\"logits\": [[...], ...]}: one row of float32 logits per input position.")
final class LogitsCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Option(names = "--ids", required = true, split = ",", paramLabel = "ID", description = "token ids, comma separated")
    int[] ids;

    @Option(names = "--cache-dtype", paramLabel = "TYPE",
            description = "KV cache precision: f32 (default here, for reference checks), bf16 or f16")
    String cacheDtype = "f32";

    private final OutputStream out;

    LogitsCommand() {
        this(System.out);
    }

    LogitsCommand(OutputStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        CacheDtype dtype = CacheDtype.parse(cacheDtype);
        try (Model model = options.load()) {
            int vocab = model.config().vocab;
            for (int id : ids) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("--ids: token id " + id + " is outside the vocabulary [0, " + vocab + ")");
                }
            }
            float[] logits = new ChunkedPrefill(model.transformer(), options.chunk)
                    .run(ids, model.transformer().newCache(dtype), true);
            try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
                g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
                g.writeStartObject();
                g.writeArrayFieldStart("logits");
                for (int t = 0; t < ids.length; t++) {
                    g.writeStartArray();
                    for (int j = 0; j < vocab; j++) {
                        g.writeNumber(logits[t * vocab + j]);
                    }
                    g.writeEndArray();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            out.write('\n');
            out.flush();
        }
        return 0;
    }
}
