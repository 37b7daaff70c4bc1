package io.longstream.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.longstream.inference.Model;
import io.longstream.inference.epicache.profile.LayerProfiles;
import io.longstream.inference.epicache.profile.MeasuredProfile;
import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import io.longstream.state.policy.epicache.LayerBudgets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A model's EpiCache layer profile and the layer weights it yields, measured once and cached by model hash. */
@Command(name = "profile", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = {"Print EpiCache's layer profile of a model as one JSON object.",
                "Per layer, how similar the keys stay under block-local attention (kv-policies §6), measured once on the",
                "shipped text and cached by model hash."})
final class ProfileCommand implements Callable<Integer>, Configured {
    @Spec
    CommandSpec spec;

    @Option(names = "--alpha", paramLabel = "A", description = "allocation power α of the weights (default: ${DEFAULT-VALUE})")
    double alpha = 1.1;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "where profiles are kept (default: the system property " + LayerProfiles.DIR_PROPERTY + ", else ~/.cache/longstream/profiles)")
    Path cacheDir;

    @Override
    public List<Setting<?>> settings() {
        return List.of(Settings.MODEL.required(), Settings.BACKEND, Settings.THREADS, Settings.GPU, Settings.GPU_CACHE_FRACTION);
    }

    @Override
    public Integer call() throws IOException {
        SettingValues values = SettingValues.of(spec, settings());
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("--alpha must be finite and >= 0, got " + alpha);
        }
        LayerProfiles profiles = new LayerProfiles(cacheDir != null ? cacheDir : LayerProfiles.defaultDir());
        try (Model m = Model.load(values.get(Settings.MODEL), Settings.backendHere(values))) {
            MeasuredProfile p = profiles.profileOf(m);
            ObjectMapper json = new ObjectMapper();
            ObjectNode out = json.createObjectNode();
            out.put("model_sha256", p.modelSha256());
            out.put("cache_file", profiles.fileFor(p.modelSha256()).toString());
            out.put("text_sha256", p.textSha256());
            out.put("tokens", p.tokens());
            out.put("block", p.block());
            out.put("sinks", p.sinks());
            ArrayNode s = out.putArray("s");
            for (double value : p.s()) {
                s.add(value);
            }
            out.put("alpha", alpha);
            ArrayNode weights = out.putArray("weights");
            for (double w : LayerBudgets.weights(p.s(), alpha, m.config().layers)) {
                weights.add(w);
            }
            System.out.println(json.writeValueAsString(out));
        }
        return 0;
    }
}
