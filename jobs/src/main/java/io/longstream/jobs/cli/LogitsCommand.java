package io.longstream.jobs.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.longstream.inference.ChunkedPrefill;
import io.longstream.inference.Model;
import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the float32 logits of every input position as JSON, for checking numerics against a reference. */
@Command(name = "logits", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = "Print {\"logits\": [[...], ...]}: one row of float32 logits per input position.")
final class LogitsCommand implements Callable<Integer>, Configured {
    @Spec
    CommandSpec spec;

    @Option(names = "--ids", required = true, split = ",", paramLabel = "ID", description = "token ids, comma separated")
    int[] ids;

    private final OutputStream out;

    LogitsCommand() {
        this(System.out);
    }

    LogitsCommand(OutputStream out) {
        this.out = out;
    }

    @Override
    public List<Setting<?>> settings() {
        return Settings.MODEL_RUN;
    }

    @Override
    public Integer call() throws IOException {
        SettingValues values = SettingValues.of(spec, settings());
        try (Model model = Model.load(values.get(Settings.MODEL), Settings.backendHere(values))) {
            int vocab = model.config().vocab;
            for (int id : ids) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("--ids: token id " + id + " is outside the vocabulary [0, " + vocab + ")");
                }
            }
            float[] logits = new ChunkedPrefill(model.transformer(), values.get(Settings.CHUNK))
                    .run(ids, model.transformer().newCache(values.get(Settings.CACHE_DTYPE)), true);
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
