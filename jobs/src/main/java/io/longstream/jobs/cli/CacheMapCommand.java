package io.longstream.jobs.cli;

import io.longstream.inference.Model;
import io.longstream.inference.eval.CacheOccupancy;
import io.longstream.inference.memory.SessionMemories;
import io.longstream.inference.memory.SessionMemory;
import io.longstream.inference.text.TokenStream;
import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Which original positions each layer keeps after ingesting a text, as text and as a PNG. */
@Command(name = "cache-map", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = "Ingest a text under a cache policy and show, per layer (and episode), which original positions the cache holds.")
final class CacheMapCommand implements Callable<Integer>, Configured {
    private static final int ROW_PIXELS = 12;
    private static final int MAX_WIDTH = 2048;

    @Spec
    CommandSpec spec;

    @Option(names = "--text-file", required = true, paramLabel = "F", description = "the text to ingest (as one document)")
    Path textFile;

    @Option(names = "--png", paramLabel = "FILE", description = "where the picture goes (default: ${DEFAULT-VALUE})")
    Path png = Path.of("cache-map.png");

    @Override
    public List<Setting<?>> settings() {
        return Settings.POLICY_RUN;
    }

    @Override
    public Integer call() throws IOException {
        SettingValues values = SettingValues.of(spec, settings());
        try (Model m = Model.load(values.get(Settings.MODEL), Settings.backendHere(values))) {
            SessionMemories memories = new SessionMemories(m, Settings.policy(values), values.get(Settings.CHUNK), values.get(Settings.CACHE_DTYPE));
            SessionMemory memory = memories.create(textFile.getFileName().toString());
            TokenStream stream = new TokenStream(m.tokenizer(), Optional.empty(), m.config().bosTokenId);
            int[] opening = stream.start();
            int[] body = stream.document(Files.readString(textFile, StandardCharsets.UTF_8));
            PositionWarning.print(spec.commandLine().getErr(), m.config(), memories.ropeMode(), opening.length + body.length);
            int[][][] byCache = CacheOccupancy.after(memory, opening, body);
            int ingested = opening.length + body.length;
            System.out.println("policy " + memory.spec() + ", " + ingested + " tokens ingested, chunk " + memory.chunk());
            int[][] kept = new int[byCache.length * m.config().layers][];
            for (int k = 0; k < byCache.length; k++) {
                for (int l = 0; l < byCache[k].length; l++) {
                    kept[k * byCache[k].length + l] = byCache[k][l];
                    String episode = byCache.length > 1 ? "episode " + k + " " : "";
                    System.out.println(episode + "layer " + l + ": " + byCache[k][l].length + " entries: " + CacheOccupancy.ranges(byCache[k][l]));
                }
            }
            ImageIO.write(picture(kept, ingested), "png", png.toFile());
            System.out.println("wrote " + png);
        }
        return 0;
    }

    /** Rows top to bottom (layers, episode after episode), positions left to right; a kept position is dark. Wide streams are binned. */
    static BufferedImage picture(int[][] kept, int positions) {
        int width = Math.max(1, Math.min(positions, MAX_WIDTH));
        BufferedImage image = new BufferedImage(width, kept.length * ROW_PIXELS, BufferedImage.TYPE_INT_RGB);
        for (int l = 0; l < kept.length; l++) {
            int[] count = new int[width];
            for (int p : kept[l]) {
                count[(int) ((long) p * width / positions)]++;
            }
            for (int x = 0; x < width; x++) {
                int binStart = (int) ((long) x * positions / width);
                int binEnd = (int) ((long) (x + 1) * positions / width);
                double share = count[x] / (double) Math.max(1, binEnd - binStart);
                int shade = 235 - (int) Math.round(205 * share);
                int rgb = (shade << 16) | (shade << 8) | Math.min(255, shade + 20);
                for (int y = 0; y < ROW_PIXELS - 1; y++) {
                    image.setRGB(x, l * ROW_PIXELS + y, rgb);
                }
            }
        }
        return image;
    }
}
