package io.longstream.jobs.cli;

import io.longstream.jobs.bench.BatchBenchmark;
import io.longstream.jobs.bench.BenchPlan;
import io.longstream.jobs.bench.CpuBenchmark;
import io.longstream.jobs.bench.RecallBenchmark;
import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Benchmarks, each printing a table with the machine it ran on. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run speed and recall benchmarks.",
        subcommands = {BenchCommand.Cpu.class, PipelineBenchCommand.class, BatchBenchmark.class, RecallBenchmark.class})
final class BenchCommand {

    @Command(name = "cpu", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
            description = "Measure CPU prefill and decode on a random Llama-3.2-1B-shaped bf16 model against the machine's roofline and Jlama.")
    static final class Cpu implements Callable<Integer>, Configured {
        @Spec
        CommandSpec spec;

        @Option(names = "--prefill", split = ",", paramLabel = "N", description = "prefill lengths (default: 512,2048)")
        List<Integer> prefill = List.of(512, 2048);

        @Option(names = "--decode-context", split = ",", paramLabel = "N", description = "decode contexts (default: 1024,4096)")
        List<Integer> decodeContext = List.of(1024, 4096);

        @Option(names = "--decode-tokens", paramLabel = "N", description = "tokens decoded per context (default: ${DEFAULT-VALUE})")
        int decodeTokens = 16;

        @Option(names = "--model-dir", paramLabel = "DIR",
                description = "keep the random model here and reuse it on later runs (default: a temporary folder, deleted)")
        Path modelDir;

        @Option(names = "--no-peer", description = "skip Jlama")
        boolean noPeer;

        @Override
        public List<Setting<?>> settings() {
            return List.of(Settings.THREADS);
        }

        @Override
        public Integer call() throws IOException, InterruptedException {
            SettingValues values = SettingValues.of(spec, settings());
            BenchPlan plan = new BenchPlan(values.get(Settings.THREADS), prefill, decodeContext, decodeTokens, 1);
            Path dir = modelDir != null ? modelDir : Files.createTempDirectory("longstream-bench-model-");
            try {
                new CpuBenchmark(plan, System.out, System.err).run(dir, !noPeer);
            } finally {
                if (modelDir == null) {
                    deleteTree(dir);
                }
            }
            return 0;
        }

        private static void deleteTree(Path root) throws IOException {
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
